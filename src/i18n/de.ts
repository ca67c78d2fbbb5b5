import type { Messages } from './en.ts';

export const de: Messages = {
  'app.name': 'Recovery Desk',
  'app.skip': 'Zum Inhalt springen',

  'form.title': 'Verlorenen Aktivierungscode wiederherstellen',
  'form.intro':
    'Teilen Sie uns mit, was Sie über Ihren Kauf wissen. Wir gleichen es mit den Kaufdaten ab und antworten per E-Mail, meist innerhalb eines Werktags.',
  'form.section.you': 'Über Sie',
  'form.section.licence': 'Ihre Lizenz',
  'form.section.purchase': 'Wo und wann Sie gekauft haben',
  'form.section.request': 'Ihr Anliegen',
  'form.required': 'Pflichtfeld',
  'form.optional': 'optional',
  'form.required_for_estore': 'Pflichtfeld bei Kauf in unserem Online-Shop',
  'form.submit': 'Anfrage senden',
  'form.errors.title': 'Bitte korrigieren Sie Folgendes:',
  'form.privacy':
    'Wir verwenden diese Angaben nur für diese Anfrage. Geben Sie Ihren Aktivierungscode niemals in dieses Formular ein.',

  'form.failed.title': 'Ihre Anfrage konnte nicht gespeichert werden',
  'form.failed':
    'Bei uns ist ein Fehler aufgetreten, es wurde nichts gespeichert. Alles, was Sie eingegeben haben, steht unten noch da: Bitte prüfen Sie es und senden Sie es erneut, jetzt oder in einigen Minuten.',
  'form.failed.attach_again':
    'Ihr Browser kann die gewählte Datei nicht behalten: Bitte hängen Sie die Datei erneut an.',
  'field.email': 'E-Mail-Adresse',
  'field.email.hint': 'Hierhin senden wir unsere Antwort.',
  'field.name': 'Ihr Name',
  'field.license_number': 'Lizenznummer',
  'field.license_number.hint':
    'Etwa 84F3-E32248-C1E89AF9. Geben Sie die Lizenznummer, den Lizenzschlüssel oder beides an.',
  'field.license_key': 'Lizenzschlüssel',
  'field.license_key.hint': 'Etwa ED025601-C567-FBB5-522E-53A50AE8DAE1.',
  'field.order_number': 'Bestellnummer',
  'field.order_number.hint': 'Pflicht bei Käufen in unserem Online-Shop.',
  'field.channel': 'Gekauft bei',
  'field.channel.estore': 'Unserem Online-Shop',
  'field.channel.partner': 'Einem anderen Online-Shop oder Händler',
  'field.channel.retail_box': 'Einer Box im Geschäft',
  'field.store': 'Name des Geschäfts',
  'field.store.hint': 'Zum Beispiel „Amazon.de“ oder „MediaMarkt“.',
  'field.country': 'Land des Geschäfts',
  'field.country.choose': 'Land wählen',
  'field.purchased_on': 'Kaufdatum',
  'field.purchased_on.hint': 'Ein ungefähres Datum genügt.',
  'field.reason': 'Was ist passiert',
  'field.reason.lost': 'Ich habe den Aktivierungscode verloren',
  'field.reason.removed': 'Der Code wurde von meinem Gerät oder Konto entfernt',
  'field.reason.expired_early': 'Meine Lizenz ist zu früh abgelaufen',
  'field.desired_outcome': 'Was möchten Sie',
  'field.desired_outcome.recover_code': 'Meinen Aktivierungscode',
  'field.desired_outcome.refund': 'Eine Erstattung',
  'field.details': 'Was wir sonst wissen sollten',
  'field.details.hint': 'Bis zu 5.000 Zeichen.',
  'field.attachment': 'Kaufnachweis',
  'field.attachment.hint': 'Quittung oder Rechnung: PDF, PNG oder JPEG, höchstens 5 MB.',
  'field.locale': 'Sprache unserer E-Mails',

  'error.required': 'Dieses Feld ist erforderlich.',
  'error.invalid': 'Dieser Wert ist ungültig.',
  'error.choice': 'Wählen Sie eine der Möglichkeiten.',
  'error.email_format': 'Geben Sie eine E-Mail-Adresse wie name@example.com ein.',
  'error.text_format': 'Entfernen Sie Zeilenumbrüche und Steuerzeichen.',
  'error.control_characters': 'Entfernen Sie die Steuerzeichen (etwa NUL) aus diesem Text.',
  'error.name_format': 'Geben Sie nur Ihren Namen an, ohne Web- oder E-Mail-Adressen.',
  'error.too_long': 'Verwenden Sie höchstens {max} Zeichen.',
  'error.license_required': 'Geben Sie Ihre Lizenznummer oder Ihren Lizenzschlüssel ein.',
  'error.license_number_format':
    'Eine Lizenznummer hat 18 Zeichen 0-9 und A-F in 3 Blöcken, etwa 84F3-E32248-C1E89AF9.',
  'error.license_key_format':
    'Ein Lizenzschlüssel hat 32 Zeichen 0-9 und A-F, etwa ED025601-C567-FBB5-522E-53A50AE8DAE1.',
  'error.order_number_required': 'Geben Sie die Bestellnummer Ihres Kaufs in unserem Online-Shop ein.',
  'error.order_number_format': 'Eine Bestellnummer hat 3 bis 40 Zeichen.',
  'error.country_unknown': 'Wählen Sie das Land des Geschäfts.',
  'error.date_format': 'Geben Sie das Datum als JJJJ-MM-TT ein, etwa 2024-03-31.',
  'error.date_future': 'Das Kaufdatum darf nicht in der Zukunft liegen.',
  'error.date_too_early': 'Das Kaufdatum darf nicht vor dem 01.01.2000 liegen.',
  'error.attachment_type': 'Hängen Sie eine PDF-, PNG- oder JPEG-Datei an.',
  'error.attachment_size': 'Die Datei ist größer als 5 MB.',

  'status.title': 'Ihre Anfrage {reference}',
  'status.current': 'Status',
  'status.filed': 'Eingereicht am',
  'status.received': 'Eingegangen — wir prüfen Ihre Angaben',
  'status.triage': 'Wird von unserem Support geprüft',
  'status.waiting_on_customer': 'Wartet auf Ihre Antwort',
  'status.pending_approval': 'Wartet auf Freigabe',
  'status.resolved': 'Erledigt',
  'status.rejected': 'Geschlossen',
  'status.keep_link':
    'Bewahren Sie die Adresse dieser Seite auf: Nur mit ihr sehen Sie Ihre Anfrage ohne Anmeldung. Wir haben sie Ihnen auch per E-Mail geschickt.',
  'status.summary': 'Ihre Angaben',
  'status.question': 'Unsere Frage an Sie',
  'status.reply_title': 'Ihre Antwort',
  'status.reply_help':
    'Beantworten Sie hier unsere Frage. Sie können einen Kaufbeleg anhängen (PDF, PNG oder JPEG, höchstens 5 MB).',
  'status.reply_submit': 'Antwort senden',
  'status.reply_sent': 'Vielen Dank: Ihre Antwort ist angekommen, wir prüfen Ihre Anfrage erneut.',
  'field.message': 'Ihre Antwort',

  'status.open_note': 'Wir schreiben Ihnen per E-Mail, sobald es Neuigkeiten gibt.',
  'status.outcome': 'Ergebnis',
  'status.outcome.code_sent':
    'Wir haben den Aktivierungscode an die beim Kauf verwendete E-Mail-Adresse gesendet: {address}.',
  'status.outcome.refunded': 'Wir haben Ihre Erstattung von {amount} genehmigt.',
  'status.conversation': 'Nachrichten',
  'status.from_support': 'Unser Support-Team',
  'status.from_you': 'Sie',
  'status.attached': 'Angehängt: {name}',
  'status.write_title': 'Schreiben Sie unserem Support-Team',
  'status.write_help':
    'Stimmt etwas nicht, nutzen Sie zum Beispiel die Adresse nicht mehr, an die der Code ging? Schreiben Sie es uns hier, dann sieht sich unser Support-Team Ihre Anfrage noch einmal an. Sie können einen Kaufbeleg anhängen (PDF, PNG oder JPEG, höchstens 5 MB).',
  'status.write_submit': 'Nachricht senden',
  'status.closed_note': 'Diese Anfrage ist abgeschlossen. Wenn Sie weiterhin Hilfe brauchen:',
  'status.new_request': 'neue Anfrage stellen',
  'field.your_message': 'Ihre Nachricht',
  'email.support_message': 'Nachricht unseres Support-Teams:',
  'email.answer.reply': 'Sie können direkt auf diese E-Mail antworten.',
  'email.answer.reply_or_page':
    'Sie können direkt auf diese E-Mail antworten oder uns auf der Seite Ihrer Anfrage schreiben:',
  'email.answer.page':
    'Antworten an diese Adresse werden nicht gelesen. Um uns zu antworten, nutzen Sie bitte die Seite Ihrer Anfrage:',
  'email.answer.page_above':
    'Antworten an diese Adresse werden nicht gelesen. Um uns zu antworten, nutzen Sie bitte die Seite Ihrer Anfrage (Link oben).',
  'email.answer.first_email':
    'Antworten an diese Adresse werden nicht gelesen. Um uns zu schreiben, nutzen Sie bitte den Link zur Seite Ihrer Anfrage aus unserer ersten E-Mail zu {reference} oder stellen Sie eine neue Anfrage:',
  'email.answer.not_read': 'Antworten an diese Adresse werden nicht gelesen.',
  'email.answer.page_link': 'Seite Ihrer Anfrage öffnen',
  'email.answer.form_link': 'Neue Anfrage stellen',
  'reason.no_purchase_found': 'Wir konnten keinen Kauf finden, der zu Ihren Angaben passt.',
  'reason.trial_license':
    'Es handelt sich um eine Testlizenz: Testlizenzen können weder wiederhergestellt noch erstattet werden.',
  'reason.license_expired': 'Die Lizenz hat das Ende ihrer Laufzeit erreicht.',
  'reason.bought_from_partner':
    'Die Lizenz wurde bei einem anderen Händler gekauft, der für Erstattungen und Ersatzcodes zuständig ist.',
  'reason.suspected_fraud': 'Wir konnten nicht bestätigen, dass Sie Inhaber dieser Lizenz sind.',
  'reason.duplicate':
    'Diese Anfrage wiederholt eine andere Anfrage zur selben Lizenz, die wir bereits bearbeiten.',

  'lookup.title': 'Codes per E-Mail erhalten',
  'lookup.intro':
    'Geben Sie die E-Mail-Adresse an, mit der Sie gekauft haben. Gehören Käufe zu ihr, senden wir an diese Adresse eine E-Mail mit Ihren Lizenzen und dem Aktivierungscode jeder aktiven Lizenz.',
  'lookup.submit': 'Codes per E-Mail senden',
  'lookup.note': 'Wir schreiben nur an die Adresse, die Sie hier angeben, nie an eine andere.',
  'lookup.sent': 'Gehören Käufe zu dieser Adresse, haben wir ihr eine E-Mail mit der Liste gesendet.',
  'lookup.sent.next':
    'Es kann einige Minuten dauern; sehen Sie auch im Spam-Ordner nach. Nichts angekommen, oder fehlt eine Lizenz?',
  'lookup.form_link': 'Wiederherstellungsanfrage stellen',
  'lookup.again': 'Eine andere Adresse abfragen',
  'lookup.limited.address':
    'Zu viele Abfragen aus Ihrem Netz in der letzten Stunde. Bitte versuchen Sie es später noch einmal.',
  'lookup.limited.mailbox':
    'Diese Adresse wurde heute schon dreimal abgefragt. Bitte versuchen Sie es morgen noch einmal.',
  'lookup.link': 'Haben Sie noch die E-Mail-Adresse, mit der Sie gekauft haben?',
  'lookup.link.action': 'Codes per E-Mail erhalten',
  'lookup.status.active': 'aktiv',
  'lookup.status.expired': 'abgelaufen',
  'lookup.status.refunded': 'erstattet',
  'lookup.status.revoked': 'gesperrt',
  'lookup.trial': 'Testlizenz',

  'error.page.title': 'Etwas ist schiefgelaufen',
  'error.page.not_found': 'Diese Seite gibt es nicht, oder der Link ist unvollständig.',
  'error.page.rate_limited': 'Zu viele Anfragen. Bitte versuchen Sie es später erneut.',
  'error.page.server': 'Das hat nicht geklappt. Bitte versuchen Sie es in einigen Minuten erneut.',
  'error.page.home': 'Zurück zum Formular',
};
