/** Chooses what to show: the first-run wizard, sign-in, or the console. */
import { Alert, Box, Center } from '@mantine/core';
import { useCall } from '../lib/query';
import { useSession } from '../stores/session';
import { SetupWizard } from '../features/setup/SetupWizard';
import { SignIn } from '../features/auth/SignIn';
import { ErrorState, Loading } from '../features/common/states';
import { Shell } from './Shell';
import { IdleLockGate } from '../features/security/IdleLock';

export function App() {
  const status = useCall('setup.status', {});
  const token = useSession((s) => s.token);
  if (status.data === undefined) {
    if (status.error) {
      return (
        <Center h="100dvh">
          <ErrorState error={status.error} onRetry={() => void status.refetch()} title="Outpost is not responding" />
        </Center>
      );
    }
    return <Loading label="Starting Outpost…" />;
  }
  if (!status.data.initialized) {
    const wiped = status.data.wiped;
    if (!wiped) return <SetupWizard onDone={() => void status.refetch()} />;
    return (
      <>
        <Box p="md" pb={0} maw={720} mx="auto">
          <Alert color="red" variant="light" title="This device was wiped" role="alert" data-testid="wiped-notice">
            {wiped.reason} Its store was erased on {new Date(wiped.at).toLocaleString()}. Set it up again, or join your team, to carry on.
          </Alert>
        </Box>
        <SetupWizard onDone={() => void status.refetch()} />
      </>
    );
  }
  if (!token) return <SignIn organisation={status.data.organisation} />;
  return (
    <IdleLockGate>
      <Shell />
    </IdleLockGate>
  );
}
