export { ConfigError, env, loadConfig } from './config.js';
export { createLogger, type Logger } from './logger.js';
