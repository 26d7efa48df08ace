import { Field, ObjectType } from 'type-graphql';
import type { LinkedAccountInfo } from './oauth-linking';

@ObjectType('LinkedAccount', { description: 'A social sign-in provider linked to the account.' })
export class LinkedAccountView {
  @Field(() => String, { description: "The provider's name, as configured (e.g. google, apple)." })
  provider!: string;

  @Field(() => String, { nullable: true, description: 'The address the provider gave, if any.' })
  email!: string | null;

  @Field(() => Date, { description: 'When it was linked.' })
  createdAt!: Date;

  static from(info: LinkedAccountInfo): LinkedAccountView {
    return Object.assign(new LinkedAccountView(), info);
  }
}
