// The profile form's pure logic: defaults, checks before anything is sent, the IPC input.
import type { CaCertificateChoice, Profile, ProfileInput } from '$lib/ipc';

export const DEFAULT_BASE_URL = 'https://api.trillian.im';

export type ProfileFormValues = {
  id: string | null;
  name: string;
  baseUrl: string;
  domain: string;
  /** The administrator's own IM address; empty for none. */
  ownAddress: string;
  postForUpdates: boolean;
  /** The certificate decision: keep what the profile has, remove it, or a picked file. */
  ca: CaCertificateChoice;
  /** Label of the picked file, for display only. */
  caFileName: string | null;
  hasCa: boolean;
  token: string;
};

export function emptyForm(): ProfileFormValues {
  return {
    id: null,
    name: '',
    baseUrl: DEFAULT_BASE_URL,
    domain: '',
    ownAddress: '',
    postForUpdates: false,
    ca: { kind: 'keep' },
    caFileName: null,
    hasCa: false,
    token: '',
  };
}

export function formFor(p: Profile): ProfileFormValues {
  return {
    id: p.id,
    name: p.name,
    baseUrl: p.baseUrl,
    domain: p.domain,
    ownAddress: p.ownAddress ?? '',
    postForUpdates: p.postForUpdates,
    ca: { kind: 'keep' },
    caFileName: null,
    hasCa: p.hasCaCertificate,
    token: '',
  };
}

/** Problems to show next to the fields; empty when the form may be sent. */
export function validate(v: ProfileFormValues): Partial<Record<'baseUrl' | 'domain', string>> {
  const errors: Partial<Record<'baseUrl' | 'domain', string>> = {};
  const url = v.baseUrl.trim();
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    errors.baseUrl = `Enter a full URL, for example ${DEFAULT_BASE_URL}`;
  }
  if (parsed) {
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
    if (parsed.protocol === 'http:' && !loopback) {
      errors.baseUrl = 'Use https:// (plain http is only allowed for a local sandbox).';
    } else if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      errors.baseUrl = 'The URL must start with https://';
    }
  }
  const domain = v.domain.trim();
  if (!domain) errors.domain = 'Enter the Trillian domain, for example example.com';
  else if (/[\s/]/.test(domain)) errors.domain = 'A domain has no spaces or slashes.';
  return errors;
}

export function toInput(v: ProfileFormValues): ProfileInput {
  return {
    id: v.id,
    name: v.name.trim(),
    baseUrl: v.baseUrl.trim(),
    domain: v.domain.trim(),
    caCertificate: v.ca,
    postForUpdates: v.postForUpdates,
    ownAddress: v.ownAddress.trim() || null,
  };
}
