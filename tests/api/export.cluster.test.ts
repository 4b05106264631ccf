import { describeExport } from './export.suite.js';

describeExport('the site export on a 3-master Redis Cluster', { cluster: true });
