import { clusterHealthSuite } from './cluster-health.js';

clusterHealthSuite(3);
