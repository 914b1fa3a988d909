/**
 * The configuration of a Ferry relay a benchmark starts inside a server process of its own:
 * loopback on a free port, quiet, the given data dir, and no rate limits in the way of the load.
 */
import { loadConfig, type Config } from '../../relay/src/config.ts'

export function benchRelayConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    FERRY_DATA_DIR: dataDir,
    CONNECTIONS_PER_MINUTE_PER_IP: '1000000',
    // The round-trip probe (latency.ts) asks one socket for step 2s 300 times a minute; past the
    // default 30 the relay closed it with 4529 and the probe waited forever.
    SYNC_REQUESTS_PER_MINUTE: '1000000',
    ...env,
  })
}
