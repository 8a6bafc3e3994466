import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue } from 'bullmq';

/** Every queue the application registered (BullModule.registerQueue in any module), by name. */
@Injectable()
export class AppQueues {
  private byName?: Map<string, Queue>;

  constructor(private readonly discovery: DiscoveryService) {}

  all(): Queue[] {
    return [...this.map().values()];
  }

  get(name: string): Queue | undefined {
    return this.map().get(name);
  }

  private map(): Map<string, Queue> {
    this.byName ??= new Map(
      this.discovery
        .getProviders()
        .map((wrapper) => wrapper.instance as unknown)
        .filter((instance): instance is Queue => instance instanceof Queue)
        .map((queue) => [queue.name, queue]),
    );
    return this.byName;
  }
}
