/**
 * Opens a zip that someone else made (an Excel workbook being imported, an evidence pack being
 * verified) without trusting the sizes it declares. fflate allocates each entry's buffer from the
 * size in the zip's directory, so a small file that declares gigabytes (a "zip bomb", or a damaged
 * file) would otherwise take the process's memory before a byte was inflated. Entries over the
 * per-entry limit, or a total over the whole-file limit, are refused with a message that says so.
 */
import { unzipSync, type Unzipped } from 'fflate';

export class ZipLimitError extends Error {}

export interface ZipLimits {
  /** The largest uncompressed size one entry may declare. */
  maxEntryBytes: number;
  /** The largest uncompressed size all taken entries may declare together. */
  maxTotalBytes: number;
  /** Which entries to inflate (the rest are skipped unread, and do not count). */
  take?: (name: string) => boolean;
}

const mb = (n: number): string => `${Math.round(n / 1024 / 1024)} MB`;

/** unzipSync with declared sizes checked first; throws ZipLimitError, or fflate's error for a file that is not a zip. */
export function unzipWithin(bytes: Uint8Array, limits: ZipLimits): Unzipped {
  let total = 0;
  return unzipSync(bytes, {
    filter: (f) => {
      if (limits.take && !limits.take(f.name)) return false;
      if (f.originalSize > limits.maxEntryBytes)
        throw new ZipLimitError(`${f.name} inside the file would unpack to ${mb(f.originalSize)}, more than the ${mb(limits.maxEntryBytes)} Outpost reads from one part; the file is damaged or was built to exhaust memory.`);
      total += f.originalSize;
      if (total > limits.maxTotalBytes)
        throw new ZipLimitError(`The file would unpack to more than ${mb(limits.maxTotalBytes)}, more than Outpost reads from one file; it is damaged or was built to exhaust memory.`);
      return true;
    },
  });
}
