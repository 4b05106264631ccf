import { describeSitePurges } from './site-purge.suite.js';

describeSitePurges('site purges on a single Redis server', { cluster: false });
