// Reply tokens live with the mail feature (src/mail/reply-tokens.ts): intake and the decisions
// issue one with every email they queue, and they may not import this folder, which imports them.
export { REPLY_PREFIX, newReplyToken, replyAddress, requestOfReplyAddress } from '../mail/reply-tokens.ts';
