import { Field, ID, ObjectType } from 'type-graphql';
import type { Session } from './session.entity';

@ObjectType('Session', { description: 'A signed-in device or browser.' })
export class SessionView {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  lastUsedAt!: Date;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field(() => String, { nullable: true })
  ip!: string | null;

  @Field(() => Boolean, {
    description: 'True for the session of the access token making this request.',
  })
  current!: boolean;

  static from(session: Session, currentSessionId: string): SessionView {
    return Object.assign(new SessionView(), {
      id: session.id,
      createdAt: session.createdAt,
      lastUsedAt: session.lastUsedAt,
      userAgent: session.userAgent,
      ip: session.ip,
      current: session.id === currentSessionId,
    });
  }
}
