import { describeExport } from './export.suite.js';

describeExport('the site export on one Redis server', { cluster: false });
