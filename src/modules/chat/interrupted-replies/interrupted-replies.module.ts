import { Module } from '@nestjs/common';
import { PlatformDbModule } from '../../../platform/db/platform-db.module.js';
import { InterruptedReplies } from './interrupted-replies.repository.js';

/** The chat module's platform side: finding the tenants whose interrupted replies need failing. */
@Module({
  imports: [PlatformDbModule],
  providers: [InterruptedReplies],
  exports: [InterruptedReplies],
})
export class InterruptedRepliesModule {}
