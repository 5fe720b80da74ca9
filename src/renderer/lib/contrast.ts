/**
 * Colours that people can read: Mantine's defaults put white on mid shades (indigo 6 is 4.2:1) and
 * yellow or orange text on pale tints (about 2.5:1). This resolver keeps every palette but moves each
 * text, filled and tinted colour just far enough to reach WCAG AA (4.5:1) against what it sits on,
 * in light and in dark.
 */
import type { CSSVariablesResolver, MantineTheme } from '@mantine/core';

type Rgb = [number, number, number];

function parse(hex: string): Rgb {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h.slice(0, 6);
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as Rgb;
}

function hex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0')).join('')}`;
}

function luminance(c: Rgb): number {
  const [r, g, b] = c.map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const la = luminance(parse(a));
  const lb = luminance(parse(b));
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Mixes `color` towards black (or white) in small steps until it reads on `background`. */
export function readableOn(color: string, background: string, target = 4.6): string {
  const towards: Rgb = luminance(parse(background)) > 0.35 ? [0, 0, 0] : [255, 255, 255];
  const c = parse(color);
  for (let t = 0; t <= 1; t += 0.04) {
    const mixed = hex(c.map((v, i) => v + (towards[i]! - v) * t) as Rgb);
    if (contrast(mixed, background) >= target) return mixed;
  }
  return hex(towards);
}

export const readableColors: CSSVariablesResolver = (theme: MantineTheme) => {
  const white = theme.white;
  const darkBody = theme.colors.dark[7]!;
  // Text must also read on a highlighted row or a selected tab (the primary colour's palest tint).
  const tint = theme.colors[theme.primaryColor]![1]!;
  const light: Record<string, string> = {
    '--mantine-color-dimmed': readableOn(readableOn(theme.colors.gray[6]!, tint), theme.colors.gray[2]!),
    '--mantine-color-anchor': readableOn(theme.colors[theme.primaryColor]![6]!, tint),
  };
  // Mantine's dark tint of a colour is its shade 9 darkened by half.
  const darkTint = hex(parse(theme.colors[theme.primaryColor]![9]!).map((v) => v / 2) as Rgb);
  const dark: Record<string, string> = {
    // …and on a row under the mouse (dark 5), the lightest background dimmed text sits on.
    '--mantine-color-dimmed': readableOn(readableOn(theme.colors.dark[2]!, darkTint), theme.colors.dark[5]!),
    '--mantine-color-anchor': readableOn(theme.colors[theme.primaryColor]![4]!, darkBody),
  };
  for (const [name, shades] of Object.entries(theme.colors)) {
    if (!shades || name === 'dark' || name === 'gray') continue;
    // White text on a filled background, in both schemes.
    const filled = readableOn(shades[6]!, white);
    const onFilled = { [`--mantine-color-${name}-filled`]: filled, [`--mantine-color-${name}-filled-hover`]: readableOn(filled, white, 6) };
    Object.assign(light, onFilled, {
      [`--mantine-color-${name}-text`]: readableOn(shades[7]!, tint),
      [`--mantine-color-${name}-outline`]: readableOn(shades[6]!, white),
      // On the light tint, and on its hover shade (an active navigation link under the mouse).
      [`--mantine-color-${name}-light-color`]: readableOn(readableOn(shades[9]!, shades[1]!), shades[2]!),
    });
    Object.assign(dark, onFilled, {
      [`--mantine-color-${name}-text`]: readableOn(shades[4]!, darkBody),
      [`--mantine-color-${name}-outline`]: readableOn(shades[4]!, darkBody),
    });
  }
  // Field errors (Mantine's red 6 on white is 3.3:1).
  light['--mantine-color-error'] = readableOn(theme.colors.red[6]!, white);
  dark['--mantine-color-error'] = readableOn(theme.colors.red[4]!, darkBody);
  return { variables: {}, light, dark };
};
