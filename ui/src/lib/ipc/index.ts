// The UI's one door to the Rust side. Nothing else in ui/ imports @tauri-apps/*.
//
// `bindings.ts` is generated from src-tauri (tauri-specta) and committed. This module unwraps its
// `{ status, data | error }` results: a command's error — or any other rejection (ACL refusal,
// unknown command, a bug) — becomes a thrown `AppError { code, message }`.
import { Channel } from '@tauri-apps/api/core';
import { commands } from './bindings';
import type {
  AppInfo,
  BulkKind,
  DropEvent,
  ErrorCode,
  ExportKind,
  GroupChatChanges,
  GroupChatInput,
  GroupInput,
  HistoryMessage,
  HistoryOwner,
  ImportMappingView,
  IsoWeek,
  JobEvent,
  MediaJobEvent,
  MediaOwnerInput,
  PeerChanges,
  PolicyEditInput,
  ProfileInput,
  UserChangesInput,
  UserDraftInput,
  UserQueryInput,
} from './bindings';

// Every type of the generated bindings is part of this module's interface.
export type * from './bindings';

/** Every failure the UI shows: a code to branch on and a message for the administrator. */
export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
}

const CODES: readonly string[] = [
  'unreachable',
  'tls',
  'unauthorized',
  'wrong_domain',
  'not_found',
  'invalid_input',
  'keychain',
  'not_connected',
  'server',
  'cancelled',
  'internal',
];

/** Turns anything a rejected call may carry into an AppError. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const { code, message } = e as { code: unknown; message: unknown };
    const known = typeof code === 'string' && CODES.includes(code);
    return new AppError(known ? (code as ErrorCode) : 'internal', String(message));
  }
  if (e instanceof Error) return new AppError('internal', e.message);
  if (typeof e === 'string' && e.length > 0) return new AppError('internal', e);
  return new AppError('internal', 'Something went wrong.');
}

type Outcome<T> = { status: 'ok'; data: T } | { status: 'error'; error: unknown };

async function unwrap<T>(call: () => Promise<Outcome<T>>): Promise<T> {
  let result: Outcome<T>;
  try {
    result = await call();
  } catch (e) {
    throw toAppError(e);
  }
  if (result.status === 'error') throw toAppError(result.error);
  return result.data;
}

async function plain<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw toAppError(e);
  }
}

/** A long job's progress stream (a Tauri channel). */
export function jobChannel(onEvent: (event: JobEvent) => void): Channel<JobEvent> {
  const channel = new Channel<JobEvent>();
  channel.onmessage = onEvent;
  return channel;
}

export const ipc = {
  appInfo: (): Promise<AppInfo> => plain(() => commands.appInfo()),
  openExternal: (url: string) => unwrap(() => commands.openExternal(url)),

  profiles: () => unwrap(() => commands.profilesList()),
  saveProfile: (input: ProfileInput) => unwrap(() => commands.profileSave(input)),
  removeProfile: (id: string) => unwrap(() => commands.profileRemove(id)),
  setActive: (id: string) => unwrap(() => commands.profileSetActive(id)),
  pickCaCertificate: () => unwrap(() => commands.profilePickCaCertificate()),

  keychainStatus: () => unwrap(() => commands.keychainStatus()),
  useSessionOnly: () => unwrap(() => commands.keychainUseSessionOnly()),
  setToken: (profileId: string, token: string) => unwrap(() => commands.tokenSet(profileId, token)),
  clearToken: (profileId: string) => unwrap(() => commands.tokenClear(profileId)),

  testConnection: (profileId: string) => unwrap(() => commands.connectionTest(profileId)),
  dashboard: () => unwrap(() => commands.dashboardGet()),

  // users (user/): the list stays in Rust; the web view asks for windows of rows
  usersLoad: (refresh: boolean) => unwrap(() => commands.usersLoad(refresh)),
  usersPage: (query: UserQueryInput) => unwrap(() => commands.usersPage(query)),
  user: (address: string) => unwrap(() => commands.userGet(address)),
  userDraftCheck: (draft: UserDraftInput) => unwrap(() => commands.userDraftCheck(draft)),
  createUser: (draft: UserDraftInput) => unwrap(() => commands.userCreate(draft)),
  updateUser: (address: string, changes: UserChangesInput) =>
    unwrap(() => commands.userUpdate(address, changes)),
  setUserDisabled: (address: string, disabled: boolean) =>
    unwrap(() => commands.userSetDisabled(address, disabled)),
  deleteUser: (address: string, confirm: string) =>
    unwrap(() => commands.userDelete(address, confirm)),
  resetPassword: (address: string) => unwrap(() => commands.userResetPassword(address)),
  avatar: (address: string) => unwrap(() => commands.avatarGet(address)),
  pickAvatar: (address: string) => unwrap(() => commands.avatarPick(address)),
  setAvatarFromHandle: (address: string, handle: string) =>
    unwrap(() => commands.avatarSetFromHandle(address, handle)),
  deleteAvatar: (address: string) => unwrap(() => commands.avatarDelete(address)),
  importPick: (generatePasswords: boolean) =>
    unwrap(() => commands.usersImportPick(generatePasswords)),
  importPreview: (
    handle: string,
    fileName: string,
    mapping: ImportMappingView,
    generatePasswords: boolean,
  ) => unwrap(() => commands.usersImportPreview(handle, fileName, mapping, generatePasswords)),
  importRun: (
    handle: string,
    mapping: ImportMappingView,
    generatePasswords: boolean,
    dryRun: boolean,
    onEvent: (event: JobEvent) => void,
  ) =>
    unwrap(() =>
      commands.usersImportRun(handle, mapping, generatePasswords, dryRun, jobChannel(onEvent)),
    ),
  usersBulk: (
    kind: BulkKind,
    group: number | null,
    addresses: string[],
    confirm: string,
    onEvent: (event: JobEvent) => void,
  ) => unwrap(() => commands.usersBulk(kind, group, addresses, confirm, jobChannel(onEvent))),
  saveReport: (report: string) => unwrap(() => commands.usersReportSave(report)),
  exportUsers: (query: UserQueryInput) => unwrap(() => commands.usersExport(query)),
  // groups (group/) and policies (policy/)
  groupTree: () => unwrap(() => commands.groupsTree()),
  createGroup: (input: GroupInput) => unwrap(() => commands.groupCreate(input)),
  updateGroup: (id: number, input: GroupInput) => unwrap(() => commands.groupUpdate(id, input)),
  groupDeletion: (id: number) => unwrap(() => commands.groupDeletion(id)),
  deleteGroup: (id: number, moveMembersTo: number) =>
    unwrap(() => commands.groupDelete(id, moveMembersTo)),
  peersPreview: (changes: PeerChanges, user: string) =>
    unwrap(() => commands.peersPreview(changes, user)),
  applyPeers: (changes: PeerChanges, onEvent: (event: JobEvent) => void) =>
    unwrap(() => commands.peersApply(changes, jobChannel(onEvent))),
  policies: () => unwrap(() => commands.policiesList()),
  policy: (id: number) => unwrap(() => commands.policyGet(id)),
  createPolicy: (name: string, copyOf: number) => unwrap(() => commands.policyCreate(name, copyOf)),
  renamePolicy: (id: number, name: string) => unwrap(() => commands.policyRename(id, name)),
  editPolicy: (id: number, edits: PolicyEditInput[]) =>
    unwrap(() => commands.policyEdit(id, edits)),
  setPolicyText: (id: number, text: string) => unwrap(() => commands.policySetText(id, text)),
  deletePolicy: (id: number) => unwrap(() => commands.policyDelete(id)),
  policyDiff: (left: number, right: number) => unwrap(() => commands.policyDiff(left, right)),
  policyEditDiff: (id: number, edits: PolicyEditInput[]) =>
    unwrap(() => commands.policyEditDiff(id, edits)),
  policyUsage: (id: number) => unwrap(() => commands.policyUsage(id)),
  effectivePolicy: (user: string) => unwrap(() => commands.policyEffective(user)),
  groupchats: () => unwrap(() => commands.groupchatsList()),
  presence: () => unwrap(() => commands.presenceView()),
  setPresence: (address: string, status: number, message: string) =>
    unwrap(() => commands.presenceSet(address, status, message)),

  startSandbox: () => unwrap(() => commands.sandboxStart()),
  resetSandbox: (onEvent: (event: JobEvent) => void) =>
    unwrap(() => commands.sandboxReset(jobChannel(onEvent))),
  journal: (limit: number) => unwrap(() => commands.journalList(limit)),
  cancelJob: (jobId: string) => unwrap(() => commands.jobCancel(jobId)),
};

// Media of group chats and users (ui/src/lib/media). Files cross as handles only: the Rust side
// reads them from its dialog or from the window's drop event.

function channelOf<T>(onEvent: (event: T) => void): Channel<T> {
  const channel = new Channel<T>();
  channel.onmessage = onEvent;
  return channel;
}

export const mediaIpc = {
  list: (owner: MediaOwnerInput) => unwrap(() => commands.mediaList(owner)),
  thumbnail: (owner: MediaOwnerInput, id: string, thumbnail: string) =>
    unwrap(() => commands.mediaThumbnail(owner, id, thumbnail)),
  watchDrops: (onDrop: (e: DropEvent) => void) => unwrap(() => commands.mediaWatchDrops(channelOf(onDrop))),
  pickFiles: () => unwrap(() => commands.mediaPickFiles()),
  upload: (owner: MediaOwnerInput, handles: string[], onEvent: (e: MediaJobEvent) => void) =>
    unwrap(() => commands.mediaUpload(owner, handles, channelOf(onEvent))),
  download: (owner: MediaOwnerInput, id: string, name: string, onEvent: (e: MediaJobEvent) => void) =>
    unwrap(() => commands.mediaDownload(owner, id, name, channelOf(onEvent))),
  delete: (owner: MediaOwnerInput, id: string, name: string, confirm: string) =>
    unwrap(() => commands.mediaDelete(owner, id, name, confirm)),
  deleteMany: (owner: MediaOwnerInput, ids: string[], confirm: string, onEvent: (e: MediaJobEvent) => void) =>
    unwrap(() => commands.mediaDeleteMany(owner, ids, confirm, channelOf(onEvent))),
};

// ----- Group chats, members and message history -----

export const chatIpc = {
  list: () => unwrap(() => commands.groupchatsList()),
  get: (name: string) => unwrap(() => commands.groupchatGet(name)),
  flags: () => plain(() => commands.groupchatFlags()),
  create: (input: GroupChatInput) => unwrap(() => commands.groupchatCreate(input)),
  update: (name: string, changes: GroupChatChanges) =>
    unwrap(() => commands.groupchatUpdate(name, changes)),
  members: (name: string) => unwrap(() => commands.groupchatMembers(name)),
  setMemberFlags: (name: string, im: string, flags: number) =>
    unwrap(() => commands.groupchatMemberFlags(name, im, flags)),
  addMembers: (
    name: string,
    ims: string[],
    groupId: number,
    flags: number,
    onEvent: (event: JobEvent) => void,
  ) => unwrap(() => commands.groupchatMembersAdd(name, ims, groupId, flags, jobChannel(onEvent))),
  removeMembers: (name: string, ims: string[], onEvent: (event: JobEvent) => void) =>
    unwrap(() => commands.groupchatMembersRemove(name, ims, jobChannel(onEvent))),
};

export const historyIpc = {
  weeks: (owner: HistoryOwner) => unwrap(() => commands.historyWeeks(owner)),
  week: (owner: HistoryOwner, conversation: string, week: IsoWeek) =>
    unwrap(() => commands.historyWeek(owner, conversation, week)),
  send: (owner: HistoryOwner, from: string, text: string) =>
    unwrap(() => commands.messageSend(owner, from, text)),
  identities: () => unwrap(() => commands.identitiesList()),
  setIdentityToken: (im: string, token: string) => unwrap(() => commands.identityTokenSet(im, token)),
  clearIdentityToken: (im: string) => unwrap(() => commands.identityTokenClear(im)),
  hasIdentityToken: (im: string) => unwrap(() => commands.identityHasToken(im)),
  deleteBlock: (owner: HistoryOwner, conversation: string, week: IsoWeek, messages: HistoryMessage[]) =>
    unwrap(() => commands.historyDeleteBlock(owner, conversation, week, messages)),
  deleteWeek: (owner: HistoryOwner, conversation: string, week: IsoWeek) =>
    unwrap(() => commands.historyDeleteWeek(owner, conversation, week)),
  deleteAll: (owner: HistoryOwner) => unwrap(() => commands.historyDeleteAll(owner)),
  exportHistory: (
    owner: HistoryOwner,
    weeks: IsoWeek[] | null,
    formats: ExportKind[],
    suggestedName: string,
    onEvent: (event: JobEvent) => void,
  ) => unwrap(() => commands.historyExport(owner, weeks, formats, suggestedName, jobChannel(onEvent))),
};
export const candidatesIpc = {
  list: () => unwrap(() => commands.groupchatCandidates()),
};
// ----- end of group chats, members and message history -----
