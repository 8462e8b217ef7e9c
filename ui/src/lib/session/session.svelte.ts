// App-wide state: the profiles, which one is active, and where tokens are kept.
import { ipc, toAppError, type AppError, type KeychainStatus, type Profile } from '$lib/ipc';

class Session {
  profiles = $state<Profile[]>([]);
  keychain = $state<KeychainStatus | null>(null);
  loaded = $state(false);
  error = $state<AppError | null>(null);

  active = $derived(this.profiles.find((p) => p.active) ?? null);

  /** Reloads profiles and the keychain status, each shown as soon as it arrives (a hung
   *  keychain must not hold the profile list back). Errors land in `error`, never thrown. */
  async refresh(): Promise<void> {
    const profiles = ipc.profiles().then((list) => {
      this.profiles = list;
      this.error = null;
      this.loaded = true;
    });
    const keychain = ipc.keychainStatus().then((status) => {
      this.keychain = status;
    });
    const results = await Promise.allSettled([profiles, keychain]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) this.error = toAppError((failed as PromiseRejectedResult).reason);
    this.loaded = true;
  }

  /** Replaces one profile in the list (after save / activate) and marks the active one. */
  upsert(profile: Profile) {
    const others = this.profiles
      .filter((p) => p.id !== profile.id)
      .map((p) => (profile.active ? { ...p, active: false } : p));
    this.profiles = [...others, profile].sort((a, b) =>
      a.sandbox === b.sandbox ? a.name.localeCompare(b.name) : a.sandbox ? 1 : -1,
    );
  }

  async activate(id: string): Promise<Profile> {
    const profile = await ipc.setActive(id);
    this.upsert(profile);
    return profile;
  }

  async startSandbox(): Promise<Profile> {
    const profile = await ipc.startSandbox();
    this.upsert(profile);
    return profile;
  }

  async useSessionOnly(): Promise<void> {
    this.keychain = await ipc.useSessionOnly();
    await this.refresh();
  }
}

export const session = new Session();
