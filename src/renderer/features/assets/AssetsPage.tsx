/** Routes under /assets: the list, the import wizard (/assets/import) and an asset page (/assets/<tag or id>). */
import { useRoute } from '../../lib/router';
import { AssetList } from './AssetList';
import { AssetPage } from './AssetPage';
import { ImportWizard } from './ImportWizard';

export function AssetsPage() {
  const { segments } = useRoute();
  const sub = segments[1];
  if (!sub) return <AssetList />;
  if (sub === 'import') return <ImportWizard />;
  return <AssetPage key={sub} refText={sub} />;
}
