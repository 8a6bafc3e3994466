import { Module } from '@nestjs/common';
import { AppConfig } from '../../platform/config/config.js';
import { OutboundModule } from '../../platform/outbound/outbound.module.js';
import { UsageModule } from '../usage/usage.module.js';
import { AssistantController } from './assistant/assistant.controller.js';
import { AssistantRepository } from './assistant/assistant.repository.js';
import { AssistantService } from './assistant/assistant.service.js';
import { SecretBox } from './assistant/secret-box.js';
import { ChatService } from './conversations/chat.service.js';
import { ConversationsController } from './conversations/conversations.controller.js';
import { ConversationsRepository } from './conversations/conversations.repository.js';
import { ConversationTitlesService } from './conversations/conversation-titles.service.js';
import { ConversationsService } from './conversations/conversations.service.js';
import { InterruptedRepliesService } from './conversations/interrupted-replies.service.js';
import { InterruptedRepliesModule } from './interrupted-replies/interrupted-replies.module.js';
import { ConversationTitleJob } from './jobs/conversation-title.job.js';
import { CONVERSATION_TITLE_QUEUE, ConversationTitleJobs } from './jobs/conversation-title.jobs.js';
import { FailInterruptedRepliesJob } from './jobs/fail-interrupted-replies.job.js';
import { INTERRUPTED_REPLIES_QUEUE } from './jobs/interrupted-replies.jobs.js';
import { ChatProviders } from './providers/chat-providers.js';
import { LiveReplies } from './replies/live-replies.js';
import { RepliesService } from './replies/replies.service.js';
import { ReplyStreams } from './replies/reply-streams.js';
import { registerQueues } from '../../platform/queue/register-queues.js';

/**
 * Chat: each tenant's assistant (configuration, prompt versions), model providers, conversations
 * (API and widget), their titles (a job after the first exchange), and the sweep that fails replies
 * whose process died (FailInterruptedRepliesJob, every minute). Add a controller to CONTROLLERS and its services to PROVIDERS.
 */
const CONTROLLERS = [AssistantController, ConversationsController];

const PROVIDERS = [
  AssistantRepository,
  AssistantService,
  ChatProviders,
  ChatService,
  ConversationsRepository,
  ConversationsService,
  ConversationTitlesService,
  ConversationTitleJobs,
  ConversationTitleJob,
  InterruptedRepliesService,
  FailInterruptedRepliesJob,
  LiveReplies,
  ReplyStreams,
  RepliesService,
  { provide: SecretBox, useFactory: (config: AppConfig) => new SecretBox(config.chatEncryptionKeys), inject: [AppConfig] },
];

@Module({
  imports: [UsageModule, OutboundModule, InterruptedRepliesModule, registerQueues(CONVERSATION_TITLE_QUEUE, INTERRUPTED_REPLIES_QUEUE)],
  controllers: CONTROLLERS,
  providers: PROVIDERS,
  exports: [ChatService, AssistantService],
})
export class ChatModule {}
