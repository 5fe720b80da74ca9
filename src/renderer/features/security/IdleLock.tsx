/**
 * The idle lock in the window: the lock screen while the session is locked (the host keeps the
 * lock, so a reload finds it), and the idle timer that locks the console after the team's idle time
 * without keys or pointer. Input is reported to the host at most every 30 s, so its own idle check
 * (which refuses every call once the time is up) agrees with the window.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Alert, Button, Center, Group, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import { api, errorMessage } from '../../lib/client';
import { useSession } from '../../stores/session';
import { Loading } from '../common/states';

const REPORT_EVERY_MS = 30_000;
const CHECK_EVERY_MS = 5_000;
const INPUT_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

/** Shows the console, or the lock screen while the session is locked. */
export function IdleLockGate({ children }: { children: ReactNode }) {
  const locked = useSession((s) => s.locked);
  const setLocked = useSession((s) => s.setLocked);
  const [minutes, setMinutes] = useState<number | null>(null);
  const [who, setWho] = useState<{ displayName: string; username: string } | null>(null);

  useEffect(() => {
    let live = true;
    api.call('session.lockState', {}).then(
      (s) => {
        if (!live) return;
        setMinutes(s.idleLockMinutes);
        setWho({ displayName: s.displayName, username: s.username });
        if (s.locked !== useSession.getState().locked) setLocked(s.locked);
      },
      () => live && setMinutes(0),
    );
    return () => {
      live = false;
    };
  }, [locked, setLocked]);

  if (locked) return <LockScreen who={who} />;
  if (minutes === null) return <Loading label="Opening Outpost…" />;
  return (
    <>
      <IdleTimer minutes={minutes} />
      {children}
    </>
  );
}

function IdleTimer({ minutes }: { minutes: number }) {
  const setLocked = useSession((s) => s.setLocked);
  const lastInput = useRef(Date.now());
  const lastReport = useRef(0);
  useEffect(() => {
    const report = () => {
      lastReport.current = Date.now();
      api.call('session.activity', {}).catch(() => undefined);
    };
    const onInput = () => {
      lastInput.current = Date.now();
      if (lastInput.current - lastReport.current >= REPORT_EVERY_MS) report();
    };
    report();
    for (const e of INPUT_EVENTS) window.addEventListener(e, onInput, { passive: true, capture: true });
    const timer = window.setInterval(() => {
      if (minutes > 0 && Date.now() - lastInput.current >= minutes * 60_000) {
        window.clearInterval(timer);
        api.call('session.lock', {}).finally(() => setLocked(true));
      }
    }, CHECK_EVERY_MS);
    return () => {
      window.clearInterval(timer);
      for (const e of INPUT_EVENTS) window.removeEventListener(e, onInput, { capture: true });
    };
  }, [minutes, setLocked]);
  return null;
}

function LockScreen({ who }: { who: { displayName: string; username: string } | null }) {
  const setLocked = useSession((s) => s.setLocked);
  const signOut = useSession((s) => s.signOut);
  const user = useSession((s) => s.user);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!password) {
      setError('Enter your password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.call('session.unlock', { password });
      setLocked(false);
    } catch (err) {
      setError(errorMessage(err));
      setPassword('');
    } finally {
      setBusy(false);
    }
  };
  const leave = async () => {
    await api.call('session.logout', {}).catch(() => undefined);
    signOut();
  };
  const name = who?.displayName || user?.displayName || '';
  const username = who?.username || user?.username || '';

  return (
    <Center h="100dvh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w={380} component="form" onSubmit={(e) => void submit(e)} data-testid="lock-screen">
        <Stack>
          <Group gap="xs">
            <IconLock size={22} aria-hidden />
            <Title order={1} size="h3">
              Outpost is locked
            </Title>
          </Group>
          <Text size="sm" c="dimmed">
            {name ? `${name} (${username}) is signed in.` : 'Someone is signed in.'} Enter the password to carry on; nothing was lost.
          </Text>
          {error && (
            <Alert color="red" variant="light" role="alert" data-testid="unlock-error">
              {error}
            </Alert>
          )}
          <PasswordInput label="Password" autoComplete="current-password" autoFocus value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          <Button type="submit" loading={busy}>
            Unlock
          </Button>
          <Button variant="subtle" color="gray" onClick={() => void leave()}>
            Sign out instead
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
