import { shovelFailoverSuite } from './shovel-failover.js';

shovelFailoverSuite(4);
