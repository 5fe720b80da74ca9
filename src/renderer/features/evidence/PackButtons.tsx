/**
 * Evidence pack buttons: export the assessment or the risk register as one zip, and check a pack
 * (any pack file picked from disk) against its manifest, naming what changed.
 */
import { useRef, useState } from 'react';
import { Alert, Button, Group, List } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { PackCheck, PackKind } from '../../../shared/api/evidence';
import { api, errorMessage } from '../../lib/client';
import { downloadBase64 } from '../assets/files';

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function PackButtons({ kind, id }: { kind: PackKind; id?: string }) {
  const [busy, setBusy] = useState<'export' | 'verify' | null>(null);
  const [check, setCheck] = useState<PackCheck | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const exportPack = async () => {
    setBusy('export');
    try {
      const r = await api.call('evidence.exportPack', { kind, ...(id ? { id } : {}) });
      downloadBase64(r.content, r.filename, r.mime);
      notifications.show({
        color: 'green',
        message: `Evidence pack exported: ${r.rows} files${r.missingEvidence ? `; ${r.missingEvidence} evidence files are not yet downloaded here and are listed, not packed` : ''}.`,
      });
    } catch (e) {
      notifications.show({ color: 'red', title: 'The pack was not exported', message: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };
  const verify = async (file: File | undefined) => {
    if (!file) return;
    setBusy('verify');
    setCheck(null);
    try {
      setCheck(await api.call('evidence.verifyPack', { content: toBase64(await file.arrayBuffer()) }));
    } catch (e) {
      notifications.show({ color: 'red', title: 'The pack could not be checked', message: errorMessage(e) });
    } finally {
      setBusy(null);
      if (input.current) input.current.value = '';
    }
  };
  return (
    <>
      <Group gap="xs">
        <Button size="xs" variant="default" loading={busy === 'export'} onClick={() => void exportPack()} data-testid="pack-export">
          Export evidence pack
        </Button>
        <Button size="xs" variant="default" loading={busy === 'verify'} onClick={() => input.current?.click()} data-testid="pack-verify">
          Verify a pack…
        </Button>
        <input ref={input} type="file" accept=".zip,application/zip" hidden aria-label="Evidence pack to verify" data-testid="pack-verify-file" onChange={(e) => void verify(e.currentTarget.files?.[0])} />
      </Group>
      {check && (
        <Alert color={check.ok ? 'green' : 'red'} title={check.ok ? 'The pack is unchanged' : 'The pack was changed'} withCloseButton onClose={() => setCheck(null)} data-testid="pack-check">
          {check.summary}
          {!check.ok && (
            <List size="sm" mt={4}>
              {check.changed.map((f) => (
                <List.Item key={`c${f}`}>Changed: {f}</List.Item>
              ))}
              {check.missing.map((f) => (
                <List.Item key={`m${f}`}>Missing: {f}</List.Item>
              ))}
              {check.unexpected.map((f) => (
                <List.Item key={`u${f}`}>Added: {f}</List.Item>
              ))}
            </List>
          )}
        </Alert>
      )}
    </>
  );
}

export { toBase64 };
