/**
 * Choosing a passphrase for this device's store (first run, Settings › Security): the passphrase with
 * a strength hint, a repeat field, and the plain warning that a forgotten passphrase cannot be recovered.
 */
import { useState } from 'react';
import { Alert, PasswordInput, Progress, Stack, Text } from '@mantine/core';
import { errorMessage } from '../../lib/client';

/** A rough guide (length counts most; a few unrelated words beat a short clever one), never a promise. */
export function passphraseStrength(p: string): { score: number; label: string; color: string } {
  if (!p) return { score: 0, label: '', color: 'gray' };
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(p)).length;
  const words = p.trim().split(/[\s\-_.]+/).filter((w) => w.length >= 3).length;
  let score = Math.min(60, p.length * 3) + classes * 5 + Math.min(3, words) * 5;
  if (/^(.)\1+$/.test(p) || /^(password|passphrase|outpost|12345678|qwerty)/i.test(p)) score = 10;
  score = Math.min(100, score);
  if (p.length < 8) return { score, label: 'Too short: at least 8 characters', color: 'red' };
  if (score < 50) return { score, label: 'Weak: add more words', color: 'red' };
  if (score < 75) return { score, label: 'Fair: a longer passphrase is safer', color: 'yellow' };
  return { score, label: 'Strong', color: 'teal' };
}

/** The fields' problems, or null when the two fields hold the same acceptable passphrase. */
export function passphraseProblems(passphrase: string, repeat: string): { passphrase?: string; repeat?: string } | null {
  if (passphrase.length < 8) return { passphrase: 'The passphrase must be at least 8 characters.' };
  if (passphrase !== repeat) return { repeat: 'The two passphrases do not match.' };
  return null;
}

export function PassphraseFields({
  passphrase,
  repeat,
  onPassphrase,
  onRepeat,
  errors,
  autoFocus,
  subject = 'store',
}: {
  passphrase: string;
  repeat: string;
  onPassphrase: (v: string) => void;
  onRepeat: (v: string) => void;
  errors: { passphrase?: string; repeat?: string };
  autoFocus?: boolean;
  /** What the passphrase protects: this device's store, or an export file. */
  subject?: 'store' | 'export';
}) {
  const strength = passphraseStrength(passphrase);
  return (
    <Stack gap="sm">
      <div>
        <PasswordInput
          label="Passphrase"
          description="Several unrelated words are easy to type and hard to guess."
          autoComplete="new-password"
          autoFocus={autoFocus}
          value={passphrase}
          onChange={(e) => onPassphrase(e.currentTarget.value)}
          error={errors.passphrase}
          data-testid="passphrase"
        />
        {passphrase && (
          <>
            <Progress value={strength.score} color={strength.color} size="xs" mt={6} aria-hidden />
            <Text size="xs" mt={4} data-testid="passphrase-strength">
              Strength: {strength.label}
            </Text>
          </>
        )}
      </div>
      <PasswordInput
        label="Repeat passphrase"
        autoComplete="new-password"
        value={repeat}
        onChange={(e) => onRepeat(e.currentTarget.value)}
        error={errors.repeat}
        data-testid="passphrase-repeat"
      />
      <Alert color="orange" variant="light" title="A forgotten passphrase cannot be recovered">
        {subject === 'store'
          ? 'Outpost keeps no copy of it, and no one (not your team, not the server) can open this store without it. Keep it somewhere safe. A device joined to a server can be set up again from the server, but anything not yet synced would be lost.'
          : 'Outpost keeps no copy of it: without it the export file cannot be imported. Give it to whoever imports the file by another way than the file itself.'}
      </Alert>
    </Stack>
  );
}

/**
 * The state of a form that chooses a passphrase: the two fields, their problems, and `submit`, which
 * checks them and runs `action` with the passphrase (its failure shown in `error`).
 */
export function usePassphraseForm(action: (passphrase: string) => Promise<void>) {
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<{ passphrase?: string; repeat?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const problems = passphraseProblems(passphrase, repeat);
    setErrors(problems ?? {});
    if (problems) return;
    setBusy(true);
    setError(null);
    try {
      await action(passphrase);
      setPassphrase('');
      setRepeat('');
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return { fields: { passphrase, repeat, onPassphrase: setPassphrase, onRepeat: setRepeat, errors }, error, busy, submit };
}
