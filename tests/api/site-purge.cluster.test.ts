import { describeSitePurges } from './site-purge.suite.js';

describeSitePurges('site purges on a 3-master Redis Cluster', { cluster: true });
