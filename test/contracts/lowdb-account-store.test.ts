import { accountBackendContracts } from './account-backend.ts'
import { LowdbAccountStore } from '../../relay/src/storage/lowdb/lowdb-account-store.ts'
import { tempDataDir } from '../helpers/relay.ts'

accountBackendContracts('lowdb', async () => {
  const dir = tempDataDir()
  const store = await LowdbAccountStore.open({ dir })
  return {
    store,
    reopen: async () => {
      await store.close()
      return LowdbAccountStore.open({ dir })
    },
  }
})
