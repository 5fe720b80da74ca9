/** A picture of an article, read from the store's blob store through `kb.image` (never from the network). */
import { Text } from '@mantine/core';
import { useCall } from '../../lib/query';

export function BlobImage({ sha256, alt }: { sha256: string; alt: string }) {
  const img = useCall('kb.image', { sha256 });
  if (img.error) {
    return (
      <Text span size="sm" c="dimmed">
        [{alt || 'picture'}: not on this device]
      </Text>
    );
  }
  if (!img.data) return <Text span size="sm" c="dimmed">[{alt || 'picture'}…]</Text>;
  return <img src={`data:${img.data.mediaType};base64,${img.data.contentBase64}`} alt={alt} style={{ maxWidth: '100%' }} data-testid="kb-image" />;
}

/** The renderer the article screens pass to <Markdown image=…>. */
export const blobImage = (sha256: string, alt: string) => <BlobImage sha256={sha256} alt={alt} />;
