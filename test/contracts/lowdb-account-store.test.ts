import { accountStoreContract } from './account-store.contract.ts'
import { LowdbAccountStore } from '../../relay/src/storage/lowdb/lowdb-account-store.ts'
import { tempDataDir } from '../helpers/relay.ts'

accountStoreContract('lowdb', async () => {
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
