import { loadProjectorConfig } from '../config.js';
import { openReadModelStore } from '../store/open.js';

/**
 * `pnpm --filter @tally/projector migrate`: creates the PostgreSQL read model's schema as the role
 * of DATABASE_URL (its owner) and grants PROJECTOR_DB_RUNTIME_ROLE what the service needs; the
 * service then runs as that role with PROJECTOR_DB_MIGRATE=verify.
 */
const config = loadProjectorConfig({ ...process.env, PROJECTOR_DB_MIGRATE: 'auto' });
if (config.DATABASE_URL === undefined) {
  process.stderr.write('DATABASE_URL: is required (the SQLite read model needs no migration)\n');
  process.exit(2);
}
const store = await openReadModelStore(config);
await store.close();
process.stderr.write(
  `read model schema ready (generation ${store.generation})${config.PROJECTOR_DB_RUNTIME_ROLE ? `; role ${config.PROJECTOR_DB_RUNTIME_ROLE} granted the service's rights` : ''}\n`,
);
