import { Field, ID, ObjectType } from 'type-graphql';
import type { Session } from './session.entity';

@ObjectType('Session', { description: 'A signed-in device or browser.' })
export class SessionView {
  @Field(() => ID, { description: 'Pass it to revokeSession to end this session.' })
  id!: string;

  @Field(() => Date, { description: 'When the session began (the sign-in).' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When it was last signed in or refreshed.' })
  lastUsedAt!: Date;

  @Field(() => String, {
    description: 'The User-Agent of its last sign-in or refresh, if sent.',
    nullable: true,
  })
  userAgent!: string | null;

  @Field(() => String, {
    description: 'The client IP of its last sign-in or refresh, if known.',
    nullable: true,
  })
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
