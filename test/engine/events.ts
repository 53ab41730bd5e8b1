// The scheduler emits one event type; tests listen to the kinds they care about by name.
import type { EngineEvent } from '../../src/engine/protocol.js';

type Handlers = { [K in EngineEvent['type']]?: (event: Extract<EngineEvent, { type: K }>) => void };

export function on(handlers: Handlers): (event: EngineEvent) => void {
  return (event) => (handlers[event.type] as ((event: EngineEvent) => void) | undefined)?.(event);
}
