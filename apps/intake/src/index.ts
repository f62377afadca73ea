export * from './config.js';
export { createIntakeApp, BODY_LIMIT, type IntakeAppDeps } from './app.js';
export { startIntake, type IntakeRuntime } from './runtime.js';
export type { CommandGateway } from './gateway.js';
export { intakeKafkaGrant } from './kafka-grant.js';
export { ensureIntakeTopics } from './state/changelog.js';
