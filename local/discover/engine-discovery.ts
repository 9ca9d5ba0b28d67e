// What an engine's discovery returns: its plan block, the notes on it, and a name for the plan.
import type { Note } from './draft.js';

export interface EngineDiscovery {
  /** The plan's `engine:` block. */
  engine: Record<string, unknown>;
  /** Paths relative to the `engine:` block. */
  notes: Note[];
  /** What the plan could be named after (the cluster, the broker cluster). */
  name: string;
}
