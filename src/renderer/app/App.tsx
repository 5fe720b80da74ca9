/** Chooses what to show: the unlock screen of an encrypted store, the first-run wizard, sign-in, or the console. */
import { Alert, Box, Center } from '@mantine/core';
import { useCall } from '../lib/query';
import { useSession } from '../stores/session';
import { SetupWizard } from '../features/setup/SetupWizard';
import { SignIn } from '../features/auth/SignIn';
import { ErrorState, Loading } from '../features/common/states';
import { Shell } from './Shell';
import { IdleLockGate } from '../features/security/IdleLock';
import { PortalApp } from '../features/portal/PortalApp';
import { isUnder, useRoute } from '../lib/router';
import { Button } from '@mantine/core';
import { api } from '../lib/client';
import { StoreUnlockScreen } from '../features/security/StoreUnlock';

export function App() {
  const store = useCall('store.state', {});
  if (store.data === undefined) {
    if (store.error) {
      return (
        <Center h="100dvh">
          <ErrorState error={store.error} onRetry={() => void store.refetch()} title="Outpost is not responding" />
        </Center>
      );
    }
    return <Loading label="Starting Outpost…" />;
  }
  if (store.data.state === 'locked') return <StoreUnlockScreen onUnlocked={() => void store.refetch()} />;
  return <OpenApp />;
}

function OpenApp() {
  const status = useCall('setup.status', {});
  const token = useSession((s) => s.token);
  const user = useSession((s) => s.user);
  const signOut = useSession((s) => s.signOut);
  const route = useRoute();
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
  // Requesters land on the portal, not the staff console; their settings (sync, security) and About
  // still open in the console's frame.
  if (user?.role === 'requester' && !isUnder(route.path, '/settings') && !isUnder(route.path, '/about')) {
    return (
      <IdleLockGate>
        <PortalApp
          userName={user.displayName}
          onSignOut={() => void api.call('session.logout', {}).catch(() => undefined).then(() => signOut())}
          extraLinks={
            <Button size="xs" variant="subtle" component="a" href="#/settings/sync">
              Settings
            </Button>
          }
        />
      </IdleLockGate>
    );
  }
  return (
    <IdleLockGate>
      <Shell />
    </IdleLockGate>
  );
}
