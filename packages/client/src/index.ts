export * from './errors.ts'
export type { BackgroundError } from './background-error.ts'
export * from './relay-api.ts'
export * from './accounts.ts'
export { ACCOUNTS_DATABASE, LOCAL_OWNER } from './account-store.ts'
export * from './sync-status.ts'
export { SyncMarks, type MarkStorage, type MarkedWorkspace, type UnsyncedDoc } from './sync-marks.ts'
export { changesSince, isUnchanged, type DocChanges } from './unsynced-changes.ts'
export * from './sync-provider.ts'
export * from './backoff.ts'
export { accountDocsDatabase } from './local/account-docs.ts'
export * from './workspace.ts'
export type { TrashEntry } from './trash.ts'
export * from './ferry-client.ts'
export type { DocSync, TabSyncOptions } from './tab-sync.ts'
export * from './auth-links.ts'
export { Vault, type VaultOptions, type Reencryptable } from './vault.ts'
export type { VaultState, RefusedGeneration } from './vault-state.ts'
export { vaultKeyId, type ChainProblem } from './vault-chain.ts'
export { VaultApi, type VaultDevice, type DeviceStatus, type WrappedVaultKey, type RecoveryWrap, type VaultChainRecord } from './vault-api.ts'
export * from './vault-errors.ts'
export { SecretEnvironments, type Resolution, type ValueConflict, type VariableValue } from './secret-environments.ts'
export { deviceFingerprint } from './vault-keys.ts'
export { deviceKeysDatabase } from './device-keys.ts'
export { openAccountVault, guessDeviceName, type AccountVaultOptions } from './account-vault.ts'
export * from './share.ts'
export * from './share-errors.ts'
export { CollectionVersions, type VersionInfo } from './versions.ts'
export { ReadOnlyCollection, type CollectionWrite } from './read-only-collection.ts'
export { readPostmanFiles, decodeText, MAX_UNZIPPED_BYTES, MAX_ZIP_ENTRIES, type PickedFile, type ReadFiles } from './postman-files.ts'
export {
  FERRY_VERSION,
  ImportChanged,
  applyScopes,
  exportPostmanEnvironment,
  exportPostmanGlobals,
  needsChoice,
  planScopes,
  type ExportOptions,
  type PostmanScopeExport,
  type ScopeChoice,
  type ScopeOutcome,
  type ScopePlan,
  type ScopeTarget,
  type VariableSource,
} from './postman-environments.ts'
export { PostmanImportError, applyPostmanImport, planPostmanImport, type ImportedItem, type PostmanImportErrorCode, type PostmanImportPlan, type PostmanImportReport } from './postman-import.ts'
export { downloadBackup, type DownloadedBackup } from './account-backup/download.ts'
export { inspectBackup, restoreBackup, type BackupSummary, type RestoreOptions, type RestoreReport } from './account-backup/restore.ts'
export { BackupFileError } from './account-backup/file-vault.ts'
export type { SecretsOutcome } from './account-backup/secrets.ts'
