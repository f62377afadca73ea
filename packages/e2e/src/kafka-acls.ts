// Applies the three services' Kafka ACLs with the default (or env) topic, group and transactional
// id names. Run as a super user: infra/local/kafka-scram.sh up runs it as `admin`.
import { applyGrants, kafkaFromEnv } from '@tally/kafka';
import { serviceGrants } from './service-grants.js';

const grants = serviceGrants(process.env);
const admin = kafkaFromEnv(process.env, { clientId: 'tally-acls' }).admin();
await admin.connect();
try {
  await applyGrants(admin, grants);
} finally {
  await admin.disconnect();
}
for (const grant of grants) console.log(`kafka acls: ${JSON.stringify(grant)}`);
