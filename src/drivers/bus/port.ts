/** An event on the bus. `id` is unique and lets consumers drop redeliveries. */
export interface BusEvent<T = Record<string, unknown>> {
  id: string;
  subject: string;
  data: T;
  occurredAt: string;
}

export type BusHandler = (event: BusEvent) => Promise<void>;

export interface SubscribeOptions {
  /** A durable consumer name: each event is delivered to one member of the group, at least once. */
  group: string;
}

export interface Bus {
  /** Resolves only once the event is durably accepted by the bus. */
  publish(subject: string, data: Record<string, unknown>, id?: string): Promise<BusEvent>;
  /** A handler that throws gets the event again later (at-least-once). */
  subscribe(subject: string, handler: BusHandler, options: SubscribeOptions): Promise<void>;
  close(): Promise<void>;
}
