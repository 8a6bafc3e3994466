import { Module } from '@nestjs/common';
import { RateLimitModule } from '../../../platform/rate-limit/rate-limit.module.js';
import { ChatModule } from '../chat.module.js';
import { WidgetSessionIds } from './session-id.js';
import { WidgetController, WidgetPreflightController } from './widget.controller.js';
import { WidgetOrigins } from './widget-origins.js';
import { WidgetRepository } from './widget.repository.js';
import { WidgetService } from './widget.service.js';

/**
 * The seed demo's public widget API (POST /session, POST /chat) over ChatModule's exported
 * ChatService and AssistantService. TenantImportService (platform tooling) is deliberately not
 * provided here: only the scripts construct it.
 */
@Module({
  imports: [ChatModule, RateLimitModule],
  controllers: [WidgetController, WidgetPreflightController],
  providers: [WidgetService, WidgetRepository, WidgetSessionIds, WidgetOrigins],
})
export class WidgetModule {}
