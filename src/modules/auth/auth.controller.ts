import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
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
import { ClearsRefreshCookie, RefreshTokenInput, SetsRefreshCookie } from './sessions/refresh-cookie.js';
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
  @SetsRefreshCookie()
  @SignInRateLimited()
  signup(@Body() body: SignupBody): Promise<SessionTokens> {
    return this.signups.signup(body);
  }

  @Post('login')
  @HttpCode(200)
  @Public()
  @SetsRefreshCookie()
  @SignInRateLimited()
  login(@Body() body: LoginBody): Promise<SessionTokens | PlatformSessionTokens> {
    return this.logins.login(body);
  }

  /** The token from the body, or from the tenantry_refresh cookie with X-Requested-With: tenantry (docs/adr/0016). */
  @Post('refresh')
  @HttpCode(200)
  @Public()
  @ApiBody({ type: RefreshBody, required: false })
  @ApiHeader({ name: 'X-Requested-With', required: false, description: '`tenantry`: required when the refresh token comes from the tenantry_refresh cookie' })
  @SetsRefreshCookie()
  refresh(@RefreshTokenInput() refreshToken: string | undefined): Promise<SessionTokens | PlatformSessionTokens> {
    return this.sessions.refresh(refreshToken ?? '');
  }

  /** Revokes the session of the body's or the cookie's token, and clears the cookie. */
  @Post('logout')
  @HttpCode(204)
  @Public()
  @ApiBody({ type: LogoutBody, required: false })
  @ApiHeader({ name: 'X-Requested-With', required: false, description: '`tenantry`: required when the refresh token comes from the tenantry_refresh cookie' })
  @ClearsRefreshCookie()
  logout(@RefreshTokenInput() refreshToken: string | undefined): Promise<void> {
    return this.sessions.logout(refreshToken ?? '');
  }

  /** Any member may switch, from a suspended tenant too (to leave it for another). */
  @Post('switch-tenant')
  @HttpCode(200)
  @ApiBearerAuth()
  @AllowSuspendedTenant()
  @SetsRefreshCookie()
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
