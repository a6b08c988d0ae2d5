// ES module entry point: the same objects as the CommonJS one (index.js), so
// `instanceof LiveCourseError` holds whichever way the package was loaded.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const livecourse = require('./index.js');

export const { Engine, LiveCourseError, ROLES, ABI_VERSION, version } = livecourse;
export default livecourse;
