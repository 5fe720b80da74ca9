/**
 * The portal page the central server serves at /portal: sign-in with a server account, then the same
 * portal screens as the app, calling the server's `portal.*` at ./api/<call>. The tokens live in this
 * tab's sessionStorage only (closing the tab signs out) and travel in the Authorization header, never
 * in a cookie.
 */
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Alert, Button, Center, MantineProvider, Paper, PasswordInput, Stack, Text, TextInput, Title, createTheme } from '@mantine/core';
import '@mantine/core/styles.css';
import './app/app.css';
import { configureClient } from './lib/client';
import { clearCache } from './lib/query';
import { readableColors } from './lib/contrast';
import { PortalApp } from './features/portal/PortalApp';
import './features/portal/portal.css';

const KEY = 'outpost.portal';

interface PortalSession {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; username: string; role: string };
}

function load(): PortalSession | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as PortalSession) : null;
  } catch {
    return null;
  }
}

async function post<T>(name: string, body: unknown): Promise<T> {
  const res = await fetch(`api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = (await res.json().catch(() => null)) as { ok: true; value: T } | { ok: false; error: { message: string } } | null;
  if (!out) throw new Error(`The server answered ${res.status} without a usable reply.`);
  if (!out.ok) throw new Error(out.error.message);
  return out.value;
}

function SignIn({ onSignedIn }: { onSignedIn(s: PortalSession): void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Center mih="100dvh" p="md" className="outpost-portal">
      <Paper withBorder p="lg" w={380} component="main">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            post<PortalSession>('portal.signIn', { username, password })
              .then(onSignedIn)
              .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Sign-in failed.'))
              .finally(() => setBusy(false));
          }}
        >
          <Stack>
            <div>
              <Title order={1} size="h3">
                Outpost help
              </Title>
              <Text size="sm" c="dimmed">
                Sign in with the account your IT team gave you.
              </Text>
            </div>
            {error && (
              <Alert color="red" role="alert" data-testid="portal-signin-error">
                {error}
              </Alert>
            )}
            <TextInput label="Username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} autoFocus />
            <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
            <Button type="submit" loading={busy}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}

function Portal() {
  const [session, setSession] = useState<PortalSession | null>(load);
  const signOut = () => {
    sessionStorage.removeItem(KEY);
    setSession(null);
    clearCache({ signedOut: true });
  };
  configureClient({ token: () => session?.accessToken ?? null, onUnauthenticated: signOut });
  useEffect(() => {
    if (!session) return;
    // Access tokens last minutes: renewed well before they run out, with the refresh token.
    const t = setTimeout(
      () => {
        post<Omit<PortalSession, 'user'>>('portal.refresh', { refreshToken: session.refreshToken })
          .then((r) => {
            const next = { ...session, ...r };
            sessionStorage.setItem(KEY, JSON.stringify(next));
            setSession(next);
          })
          .catch(signOut);
      },
      Math.max(30, session.expiresIn - 120) * 1000,
    );
    return () => clearTimeout(t);
  }, [session]);
  if (!session)
    return (
      <SignIn
        onSignedIn={(s) => {
          sessionStorage.setItem(KEY, JSON.stringify(s));
          clearCache();
          setSession(s);
        }}
      />
    );
  return <PortalApp userName={session.user.username} onSignOut={signOut} />;
}

const theme = createTheme({ primaryColor: 'indigo', defaultRadius: 'sm', fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif' });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" cssVariablesResolver={readableColors}>
      <Portal />
    </MantineProvider>
  </StrictMode>,
);
