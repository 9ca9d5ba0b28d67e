import { shovelFailoverSuite } from './shovel-failover.js';

shovelFailoverSuite(3);
