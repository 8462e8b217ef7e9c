import type { ConnectionOutcome } from '$lib/ipc';

/** The headline of a connection test's outcome. */
export function outcomeTitle(outcome: ConnectionOutcome): string {
  switch (outcome) {
    case 'ok':
      return 'Connection OK';
    case 'unreachable':
      return 'Server unreachable';
    case 'tls':
      return 'TLS problem';
    case 'wrong_token':
      return 'Wrong token';
    case 'wrong_domain':
      return 'Wrong domain';
    case 'no_token':
      return 'No token stored';
    case 'failed':
      return 'Connection failed';
  }
}
