import { Type } from '@sinclair/typebox'
import { IdParams, Ok } from './common.js'

export const NotificationParams = IdParams('Notification not found.')

export const NotificationsQuery = Type.Object({
  unread: Type.Optional(Type.Boolean({ description: 'true: only the unread ones' }))
})

const Time = Type.String({ format: 'date-time' })

export const NotificationList = Ok(Type.Object({
  notifications: Type.Array(Type.Object({
    id: Type.String({ format: 'uuid' }),
    type: Type.String({ description: 'dataset_ready or dataset_error' }),
    title: Type.String(),
    message: Type.String(),
    dataset_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    read_at: Type.Union([Time, Type.Null()]),
    created_at: Time
  }))
}))

export const MarkedRead = Ok(Type.Object({ id: Type.String({ format: 'uuid' }), read: Type.Literal(true) }))
export const MarkedAllRead = Ok(Type.Object({ marked: Type.Integer({ description: 'how many were unread' }) }))
