import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@connectrpc/connect';
import {
  type AuthService,
  BeginUserDeletionResponseSchema,
  DeleteUserResponseSchema,
  GetJwksResponseSchema,
  RefreshResponseSchema,
  SignInResponseSchema,
  SignOutResponseSchema,
  SignUpResponseSchema,
  TokenPairSchema,
} from '@notes/contracts/auth/v1';
import type { BeginUserDeletion } from '../app/begin-user-deletion.ts';
import type { DeleteUser } from '../app/delete-user.ts';
import type { GetJwks } from '../app/get-jwks.ts';
import type { Refresh } from '../app/refresh.ts';
import type { SignIn } from '../app/sign-in.ts';
import type { SignOut } from '../app/sign-out.ts';
import type { SignUp } from '../app/sign-up.ts';
import type { TokenPair } from '../app/token-pair.ts';

export interface AuthUseCases {
  signUp: SignUp;
  signIn: SignIn;
  refresh: Refresh;
  signOut: SignOut;
  deleteUser: DeleteUser;
  beginUserDeletion: BeginUserDeletion;
  getJwks: GetJwks;
}

/**
 * auth.v1.AuthService over the use cases. Requests arrive validated (validationInterceptor);
 * domain errors become statuses in errorInterceptor (mapAuthError).
 */
export function createAuthServiceImpl(useCases: AuthUseCases): ServiceImpl<typeof AuthService> {
  return {
    async signUp({ email, password }) {
      const user = await useCases.signUp({ email, password });
      return create(SignUpResponseSchema, {
        user: { userId: user.userId, email: user.email, createdAt: timestampFromDate(user.createdAt) },
      });
    },

    async signIn({ email, password }) {
      return create(SignInResponseSchema, { tokens: toTokenPairMessage(await useCases.signIn({ email, password })) });
    },

    async refresh({ refreshToken }) {
      return create(RefreshResponseSchema, { tokens: toTokenPairMessage(await useCases.refresh(refreshToken)) });
    },

    async signOut({ refreshToken }) {
      await useCases.signOut(refreshToken);
      return create(SignOutResponseSchema);
    },

    async deleteUser({ userId }) {
      await useCases.deleteUser(userId);
      return create(DeleteUserResponseSchema);
    },

    async beginUserDeletion({ userId }) {
      await useCases.beginUserDeletion(userId);
      return create(BeginUserDeletionResponseSchema);
    },

    async getJwks() {
      return create(GetJwksResponseSchema, { jwksJson: useCases.getJwks() });
    },
  };
}

function toTokenPairMessage(tokens: TokenPair) {
  return create(TokenPairSchema, {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    expiresIn: BigInt(tokens.expiresIn),
    refreshToken: tokens.refreshToken,
    refreshExpiresIn: BigInt(tokens.refreshExpiresIn),
  });
}
