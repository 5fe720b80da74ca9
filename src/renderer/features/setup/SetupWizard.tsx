/**
 * First run: on the browser host, protect the store with a passphrase (offered first, skippable);
 * then start a new team (organisation and first site, the admin account, then empty or with sample
 * data) or join an existing team through its server.
 */
import { useState } from 'react';
import { Alert, Button, Center, Checkbox, Group, Paper, PasswordInput, SimpleGrid, Stack, Stepper, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { api, ApiCallError, errorMessage } from '../../lib/client';
import { useSession } from '../../stores/session';
import { SAMPLE_PASSWORD } from '../../../shared/api/setup';
import { fieldErrors } from '../common/issues';
import { JoinTeam } from './JoinTeam';
import { useCall } from '../../lib/query';
import { PassphraseFields, usePassphraseForm } from '../security/PassphraseFields';

type Mode = 'choose' | 'new' | 'join' | 'import';

function Choice({ title, text, onPick, testId }: { title: string; text: string; onPick: () => void; testId: string }) {
  return (
    <UnstyledButton onClick={onPick} data-testid={testId}>
      <Paper component="span" withBorder p="md" h="100%" display="block">
        <Text component="span" fw={600} display="block">
          {title}
        </Text>
        <Text component="span" size="sm" c="dimmed" mt={4} display="block">
          {text}
        </Text>
      </Paper>
    </UnstyledButton>
  );
}

export function SetupWizard({ onDone }: { onDone: () => void }) {
  const [mode, setMode] = useState<Mode>('choose');
  const store = useCall('store.state', {});
  const [unprotected, setUnprotected] = useState(false);
  if (store.data?.canProtect && !unprotected) return <ProtectStore onDone={() => void store.refetch()} onSkip={() => setUnprotected(true)} />;
  if (mode === 'new') return <NewTeamWizard onDone={onDone} onBack={() => setMode('choose')} />;
  return (
    <Center mih="100dvh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={560} data-testid="setup-wizard">
        <Stack>
          <div>
            <Title order={2}>Welcome to Outpost</Title>
            <Text c="dimmed" size="sm">
              {mode === 'join' ? 'Join your team’s Outpost.' : 'Is this the first computer of your team, or does your team already use Outpost?'}
            </Text>
          </div>
          {mode === 'join' ? (
            <JoinTeam onBack={() => setMode('choose')} onDone={onDone} />
          ) : mode === 'import' ? (
            <ImportEverything onBack={() => setMode('choose')} onDone={onDone} />
          ) : (
            <SimpleGrid cols={2}>
              <Choice
                title="Start a new team"
                text="Set up an organisation, its first site and an administrator on this computer. It works on its own; a server can be joined later."
                onPick={() => setMode('new')}
                testId="setup-new-team"
              />
              <Choice
                title="Join a team"
                text="Your team already runs an Outpost server: sign in with your account there and start with the team’s data."
                onPick={() => setMode('join')}
                testId="setup-join-team"
              />
            </SimpleGrid>
          )}
          {mode === 'choose' && (
            <Button variant="subtle" onClick={() => setMode('import')} data-testid="setup-import" style={{ alignSelf: 'flex-start' }}>
              Moving from another machine? Import everything from an export file
            </Button>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}

function NewTeamWizard({ onDone, onBack }: { onDone: () => void; onBack: () => void }) {
  const signIn = useSession((s) => s.signIn);
  const [step, setStep] = useState(0);
  const [organisation, setOrganisation] = useState('');
  const [siteName, setSiteName] = useState('');
  const [username, setUsername] = useState('admin');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [sampleData, setSampleData] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const checkStep = (s: number): boolean => {
    const e: Record<string, string> = {};
    if (s === 0 && !siteName.trim()) e['site.name'] = 'Name your first site (an office, a building, a campus).';
    if (s === 1) {
      if (username.trim().length < 2) e['admin.username'] = 'Username must be at least 2 characters.';
      if (!displayName.trim()) e['admin.displayName'] = 'Display name is required.';
      if (password.length < 8) e['admin.password'] = 'Password must be at least 8 characters.';
      else if (password !== confirm) e.confirm = 'The two passwords do not match.';
    }
    setErrors(e);
    return Object.keys(e).length === 0;
  };

  const next = () => {
    if (checkStep(step)) setStep(step + 1);
  };

  const finish = async () => {
    if (!checkStep(0)) return setStep(0);
    if (!checkStep(1)) return setStep(1);
    setBusy(true);
    setError(null);
    try {
      const session = await api.call('setup.init', {
        organisation: organisation.trim() || undefined,
        site: { name: siteName },
        admin: { username, displayName, password },
        sampleData,
      });
      signIn(session);
      notifications.show({ color: 'green', message: sampleData ? 'Outpost is ready, with sample data loaded.' : 'Outpost is ready.' });
      onDone();
    } catch (e) {
      const fe = fieldErrors(e);
      setErrors(fe);
      setError(errorMessage(e));
      if (e instanceof ApiCallError && Object.keys(fe).some((k) => k.startsWith('admin'))) setStep(1);
      else if (Object.keys(fe).some((k) => k.startsWith('site'))) setStep(0);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100dvh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={560} data-testid="setup-wizard">
        <Stack>
          <div>
            <Title order={2}>Welcome to Outpost</Title>
            <Text c="dimmed" size="sm">
              Set up this computer in three short steps. Everything stays on this machine until you join a server.
            </Text>
          </div>
          <Stepper active={step} onStepClick={(s) => (s < step ? setStep(s) : undefined)} size="sm">
            <Stepper.Step label="Organisation" description="and first site">
              <Stack mt="md">
                <TextInput
                  label="Organisation"
                  placeholder="Northwind IT"
                  value={organisation}
                  onChange={(e) => setOrganisation(e.currentTarget.value)}
                  autoFocus
                />
                <TextInput
                  label="First site"
                  placeholder="Head office"
                  required
                  value={siteName}
                  onChange={(e) => setSiteName(e.currentTarget.value)}
                  error={errors['site.name']}
                />
              </Stack>
            </Stepper.Step>
            <Stepper.Step label="Administrator" description="your account">
              <Stack mt="md">
                <TextInput
                  label="Display name"
                  required
                  value={displayName}
                  onChange={(e) => setDisplayName(e.currentTarget.value)}
                  error={errors['admin.displayName']}
                  autoFocus
                />
                <TextInput
                  label="Username"
                  required
                  value={username}
                  onChange={(e) => setUsername(e.currentTarget.value)}
                  error={errors['admin.username']}
                  autoComplete="username"
                />
                <PasswordInput
                  label="Password"
                  description="At least 8 characters."
                  required
                  value={password}
                  onChange={(e) => setPassword(e.currentTarget.value)}
                  error={errors['admin.password']}
                  autoComplete="new-password"
                />
                <PasswordInput
                  label="Repeat password"
                  required
                  value={confirm}
                  onChange={(e) => setConfirm(e.currentTarget.value)}
                  error={errors.confirm}
                  autoComplete="new-password"
                />
              </Stack>
            </Stepper.Step>
            <Stepper.Step label="Data" description="how to start">
              <Stack mt="md">
                <Checkbox
                  label="Load sample data"
                  description={`A realistic team: sites, groups, people and a few thousand tickets to try things on. Its technicians, requesters and auditor (listed in Settings › Users) sign in with the password ${SAMPLE_PASSWORD}.`}
                  checked={sampleData}
                  onChange={(e) => setSampleData(e.currentTarget.checked)}
                />
                <Text size="sm" c="dimmed">
                  Leave it unticked to start empty. Importing and joining a server are available later from Settings.
                </Text>
              </Stack>
            </Stepper.Step>
          </Stepper>
          {error && (
            <Alert color="red" variant="light" role="alert">
              {error}
            </Alert>
          )}
          <Group justify="space-between">
            <Button variant="default" onClick={() => (step === 0 ? onBack() : setStep(step - 1))} disabled={busy}>
              Back
            </Button>
            {step < 2 ? (
              <Button onClick={next}>Next</Button>
            ) : (
              <Button onClick={() => void finish()} loading={busy} data-testid="setup-finish">
                Create and start
              </Button>
            )}
          </Group>
        </Stack>
      </Paper>
    </Center>
  );
}

/** First run on the browser host: encrypt the (still empty) store with a passphrase before anything is written to it. */
function ProtectStore({ onDone, onSkip }: { onDone: () => void; onSkip: () => void }) {
  const form = usePassphraseForm(async (passphrase) => {
    await api.call('store.protect', { passphrase });
    notifications.show({ color: 'green', message: 'This store is encrypted. Outpost asks for the passphrase each time it starts.' });
    onDone();
  });
  return (
    <Center mih="100dvh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={560} data-testid="setup-wizard">
        <Stack component="form" onSubmit={(e) => {
            e.preventDefault();
            void form.submit();
          }} data-testid="setup-protect">
          <div>
            <Title order={2}>Protect this store with a passphrase</Title>
            <Text c="dimmed" size="sm">
              Everything Outpost keeps on this computer (tickets, assets, the audit trail, sign-in details) is then encrypted: a copy of its
              files cannot be read without the passphrase. Outpost asks for it each time it starts.
            </Text>
          </div>
          <PassphraseFields {...form.fields} autoFocus />
          {form.error && (
            <Alert color="red" variant="light" role="alert">
              {form.error}
            </Alert>
          )}
          <Group justify="space-between">
            <Button variant="subtle" color="gray" onClick={onSkip} disabled={form.busy} data-testid="setup-skip-passphrase">
              Continue without a passphrase
            </Button>
            <Button type="submit" loading={form.busy} data-testid="setup-protect-submit">
              Encrypt and continue
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Center>
  );
}

/** First run on a new machine: everything from another machine's export file (a path on this computer). */
function ImportEverything({ onBack, onDone }: { onBack: () => void; onDone: () => void }) {
  const [file, setFile] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.call('store.import', { path: file, passphrase });
      notifications.show({
        color: 'green',
        message: `Imported and checked: ${r.rows.toLocaleString()} rows and ${r.blobs.toLocaleString()} evidence files, exported ${new Date(r.exportedAt).toLocaleString()}. Sign in as on the other machine.`,
      });
      onDone();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack
      component="form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      data-testid="import-everything"
    >
      <Text size="sm">
        On the other machine an administrator chose Settings › Security › Export everything. Copy that file here and give its path and the
        passphrase chosen then. It is checked (integrity, every table’s rows, the audit trail, the evidence files) before it becomes this
        computer’s store; a device that synced carries on syncing as a new device, with nothing lost or doubled.
      </Text>
      <TextInput label="Export file" description="Its full path on this computer" placeholder="/home/me/outpost-export.outpost" required value={file} onChange={(e) => setFile(e.currentTarget.value)} autoFocus />
      <PasswordInput label="Export passphrase" required value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} autoComplete="off" />
      {error && (
        <Alert color="red" variant="light" role="alert" data-testid="import-everything-error">
          {error}
        </Alert>
      )}
      <Group justify="space-between">
        <Button variant="default" onClick={onBack} disabled={busy}>
          Back
        </Button>
        <Button type="submit" loading={busy} data-testid="import-everything-submit">
          Import and check
        </Button>
      </Group>
    </Stack>
  );
}
