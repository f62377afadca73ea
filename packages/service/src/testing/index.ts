export { testIssuer, type TestIssuer, type TestTokenOptions } from './issuer.js';
