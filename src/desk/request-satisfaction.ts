import type { Ticket } from '../tickets/tickets.service.ts';
import { consoleTime } from '../time-text.ts';

const ANSWER_WORDS: Record<string, string> = { helpful: 'Helpful', not_helpful: 'Not helpful' };

/**
 * The request page's "Customer satisfaction" panel: the customer's answer to "was this helpful?"
 * (README "Satisfaction"), when they gave it, and their comment (escaped by the template like all
 * customer text), or null before they answered.
 */
export function satisfactionView(satisfaction: Ticket['satisfaction']) {
  if (!satisfaction) return null;
  return {
    answerText: ANSWER_WORDS[satisfaction.answer] ?? satisfaction.answer,
    at: consoleTime(satisfaction.answered_at),
    comment: satisfaction.comment,
  };
}
