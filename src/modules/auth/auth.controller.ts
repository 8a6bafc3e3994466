import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { SignInRateLimited } from '../../platform/rate-limit/decorators.js';
import { AllowSuspendedTenant, Public } from '../../platform/security/decorators.js';
import {
  LoginBody,
  LogoutBody,
  PasswordResetConfirmBody,
  PasswordResetRequestBody,
  RefreshBody,
  SignupBody,
  SwitchTenantBody,
} from './dto/auth.dto.js';
import { LoginService } from './login/login.service.js';
import { PasswordResetService } from './password-reset/password-reset.service.js';
import { SessionId } from './sessions/session-id.decorator.js';
import { type PlatformSessionTokens, type SessionTokens, SessionsService } from './sessions/sessions.service.js';
import { SignupService } from './signup/signup.service.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly signups: SignupService,
    private readonly logins: LoginService,
    private readonly sessions: SessionsService,
    private readonly resets: PasswordResetService,
  ) {}

  @Post('signup')
  @Public()
  @SignInRateLimited()
  signup(@Body() body: SignupBody): Promise<SessionTokens> {
    return this.signups.signup(body);
  }

  @Post('login')
  @HttpCode(200)
  @Public()
  @SignInRateLimited()
  login(@Body() body: LoginBody): Promise<SessionTokens | PlatformSessionTokens> {
    return this.logins.login(body);
  }

  @Post('refresh')
  @HttpCode(200)
  @Public()
  refresh(@Body() body: RefreshBody): Promise<SessionTokens | PlatformSessionTokens> {
    return this.sessions.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @Public()
  logout(@Body() body: LogoutBody): Promise<void> {
    return this.sessions.logout(body.refreshToken);
  }

  /** Any member may switch, from a suspended tenant too (to leave it for another). */
  @Post('switch-tenant')
  @HttpCode(200)
  @ApiBearerAuth()
  @AllowSuspendedTenant()
  switchTenant(@Body() body: SwitchTenantBody, @SessionId() sessionId: string | undefined): Promise<SessionTokens> {
    return this.sessions.switchTenant(body.tenantId, sessionId);
  }

  @Post('password-reset/request')
  @HttpCode(202)
  @Public()
  @SignInRateLimited()
  requestPasswordReset(@Body() body: PasswordResetRequestBody): void {
    this.resets.request(body.email);
  }

  @Post('password-reset/confirm')
  @HttpCode(204)
  @Public()
  @SignInRateLimited()
  confirmPasswordReset(@Body() body: PasswordResetConfirmBody): Promise<void> {
    return this.resets.confirm(body.token, body.password);
  }
}
