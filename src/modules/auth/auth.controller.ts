import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../platform/http/api-contract.js';
import { HttpErrorCode } from '../../platform/http/app-error.js';
import { SignInRateLimited } from '../../platform/rate-limit/decorators.js';
import { AccessErrorCode } from '../../platform/security/access.errors.js';
import { AllowPlatformSession, AllowSuspendedTenant, Public, RequireUserSession } from '../../platform/security/decorators.js';
import { AuthErrorCode } from './auth.errors.js';
import {
  LoginBody,
  LogoutBody,
  PasswordResetConfirmBody,
  PasswordResetRequestBody,
  RefreshBody,
  SignupBody,
  SwitchTenantBody,
} from './dto/auth.dto.js';
import { platformSessionTokensSchema, sessionTokensSchema, signInSchema } from './dto/auth.responses.js';
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

  @ApiOperation({ summary: 'Sign up: a new user, their tenant and its owner membership, signed in' })
  @ApiReturns(sessionTokensSchema, { status: 201 })
  @ApiProblems(AuthErrorCode.EmailTaken)
  @Post('signup')
  @Public()
  @SetsRefreshCookie()
  @SignInRateLimited()
  signup(@Body() body: SignupBody): Promise<SessionTokens> {
    return this.signups.signup(body);
  }

  @ApiOperation({ summary: 'Sign in to a tenant (or, for a platform admin in none, to a platform session)' })
  @ApiReturns(signInSchema)
  @ApiProblems(AuthErrorCode.InvalidCredentials, AuthErrorCode.TooManyAttempts, AuthErrorCode.NoTenant, AuthErrorCode.NotAMember)
  @Post('login')
  @HttpCode(200)
  @Public()
  @SetsRefreshCookie()
  @SignInRateLimited()
  login(@Body() body: LoginBody): Promise<SessionTokens | PlatformSessionTokens> {
    return this.logins.login(body);
  }

  /** The token from the body, or from the tenantry_refresh cookie with X-Requested-With: tenantry (docs/adr/0016). */
  @ApiOperation({ summary: 'Exchange a refresh token for new tokens (rotated; reuse revokes the family)' })
  @ApiReturns(signInSchema)
  @ApiProblems(AuthErrorCode.InvalidRefreshToken, AuthErrorCode.RefreshTokenReused, AuthErrorCode.NotAMember, AccessErrorCode.PlatformAdminRequired, AuthErrorCode.CsrfHeaderRequired, HttpErrorCode.ValidationFailed, HttpErrorCode.InvalidText)
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
  @ApiOperation({ summary: "Sign out: revoke the refresh token's session" })
  @ApiReturns(null, { status: 204 })
  @ApiProblems(AuthErrorCode.CsrfHeaderRequired, HttpErrorCode.ValidationFailed, HttpErrorCode.InvalidText)
  @Post('logout')
  @HttpCode(204)
  @Public()
  @ApiBody({ type: LogoutBody, required: false })
  @ApiHeader({ name: 'X-Requested-With', required: false, description: '`tenantry`: required when the refresh token comes from the tenantry_refresh cookie' })
  @ClearsRefreshCookie()
  logout(@RefreshTokenInput() refreshToken: string | undefined): Promise<void> {
    return this.sessions.logout(refreshToken ?? '');
  }

  /**
   * Any member may switch, from a suspended tenant too (to leave it for another), and a platform
   * admin from the platform console to a tenant of theirs.
   */
  @ApiOperation({ summary: 'Switch the session to another tenant of the user' })
  @ApiReturns(sessionTokensSchema)
  @ApiProblems(AuthErrorCode.NotAMember, AuthErrorCode.SessionRequired)
  @Post('switch-tenant')
  @HttpCode(200)
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  @RequireUserSession()
  @SetsRefreshCookie()
  switchTenant(@Body() body: SwitchTenantBody, @SessionId() sessionId: string | undefined): Promise<SessionTokens> {
    return this.sessions.switchTenant(body.tenantId, sessionId);
  }

  /** The way back from a tenant to the platform console, for a platform admin (the flag read afresh). */
  @ApiOperation({ summary: 'Switch the session to the platform console (no tenant): platform admins only' })
  @ApiReturns(platformSessionTokensSchema)
  @ApiProblems(AccessErrorCode.PlatformAdminRequired, AuthErrorCode.SessionRequired, AuthErrorCode.InvalidRefreshToken)
  @Post('switch-platform')
  @HttpCode(200)
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  @RequireUserSession()
  @SetsRefreshCookie()
  switchPlatform(@SessionId() sessionId: string | undefined): Promise<PlatformSessionTokens> {
    return this.sessions.switchToPlatform(sessionId);
  }

  @ApiOperation({ summary: 'Email a password reset link (answers alike whether the account exists or not)' })
  @ApiReturns(null, { status: 202 })
  @Post('password-reset/request')
  @HttpCode(202)
  @Public()
  @SignInRateLimited()
  requestPasswordReset(@Body() body: PasswordResetRequestBody): void {
    this.resets.request(body.email);
  }

  @ApiOperation({ summary: 'Set a new password with a reset link token' })
  @ApiReturns(null, { status: 204 })
  @ApiProblems(AuthErrorCode.ResetTokenInvalid)
  @Post('password-reset/confirm')
  @HttpCode(204)
  @Public()
  @SignInRateLimited()
  confirmPasswordReset(@Body() body: PasswordResetConfirmBody): Promise<void> {
    return this.resets.confirm(body.token, body.password);
  }
}
