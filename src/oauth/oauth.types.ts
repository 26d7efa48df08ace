import { Field, ObjectType } from 'type-graphql';
import type { LinkedAccountInfo } from './oauth-linking';

@ObjectType('LinkedAccount', { description: 'A social sign-in provider linked to the account.' })
export class LinkedAccountView {
  @Field(() => String)
  provider!: string;

  @Field(() => String, { nullable: true, description: 'The address the provider gave, if any.' })
  email!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  static from(info: LinkedAccountInfo): LinkedAccountView {
    return Object.assign(new LinkedAccountView(), info);
  }
}
