import { BroadcastHub, InProcessBroadcast, type Broadcast } from '../../relay/src/sync/broadcast.ts'
import { broadcastContract } from './broadcast.contract.ts'

broadcastContract('in-process', async () => {
  const hub = new BroadcastHub()
  const endpoints: Broadcast[] = []
  return {
    async connect(count) {
      const created = Array.from({ length: count }, () => new InProcessBroadcast(hub))
      endpoints.push(...created)
      return created
    },
    cleanup: async () => void (await Promise.all(endpoints.map((e) => e.close()))),
  }
})
