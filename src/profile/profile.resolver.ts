import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context';
import { UserView } from '../users/user.type';

@Resolver()
export class ProfileResolver {
  @Directive('@auth')
  @Mutation(() => UserView, {
    description:
      "Changes the signed-in user's name (null clears it), locale and metadata (replaced whole); omitted arguments stay as they are.",
  })
  async updateProfile(
    @Arg('name', () => String, {
      description: 'Display name, up to 100 characters; null clears it.',
      nullable: true,
    })
    name: string | null | undefined,
    @Arg('locale', () => String, {
      description: 'One of SUPPORTED_LOCALES: the language of mail and pages.',
      nullable: true,
    })
    locale: string | null | undefined,
    @Arg('metadata', () => GraphQLJSON, {
      description: 'A JSON object (at most 4 KB) that replaces the current one whole.',
      nullable: true,
    })
    metadata: unknown,
    @Ctx() ctx: Context,
  ): Promise<UserView> {
    const viewer = await requireViewer(ctx);
    return UserView.from(
      await ctx.services.profile.update(ctx.em, viewer.userId, { name, locale, metadata }),
    );
  }
}
