-- Macros (canned replies, README "The technician console"): an admin's ready text for a question
-- to the customer (request_info) or a rejection with its reason, one text per locale. Never
-- deleted: an archived macro stays, so a decision's history that names it still can.
CREATE TABLE macros (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  decision    text NOT NULL CHECK (decision IN ('request_info', 'reject')),
  -- A reject macro closes with its reason (REJECT_REASONS in src/decisions/decisions.schema.ts).
  reason      text CHECK (reason IN ('no_purchase_found', 'trial_license', 'license_expired',
                                     'bought_from_partner', 'suspected_fraud', 'duplicate')),
  -- {"en": "…", "de": "…", "ru": "…"}: every locale of src/i18n (LOCALES) is required.
  texts       jsonb NOT NULL CHECK (texts ?& ARRAY['en', 'de', 'ru']),
  archived_at timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  -- Null for the starter set, which ships with the desk.
  updated_by  bigint REFERENCES users (id),
  CONSTRAINT macros_reason_of_reject CHECK ((decision = 'reject') = (reason IS NOT NULL))
);

-- Two macros in use under one name would be told apart by nobody; an archived one frees its name.
CREATE UNIQUE INDEX macros_active_name ON macros (lower(name)) WHERE archived_at IS NULL;

-- The starter set. {{name}}, {{reference}} and {{status_url}} are filled per request; the emails
-- they go into already greet the customer and name the reference, so the texts start with the point.
INSERT INTO macros (name, decision, reason, texts) VALUES
(
  'Ask for a photo of the receipt', 'request_info', NULL,
  jsonb_build_object(
    'en', $$To confirm that the licence is yours, we need to see your proof of purchase. Please upload a photo or a scan of the receipt or invoice on your request's page:
{{status_url}}

Please make sure that the store's name, the date of purchase and the product can be read. You are welcome to cover your payment details: we do not need them.$$,
    'de', $$Damit wir bestätigen können, dass die Lizenz Ihnen gehört, benötigen wir einen Kaufnachweis. Bitte laden Sie ein Foto oder einen Scan des Kassenbons oder der Rechnung auf der Seite Ihrer Anfrage hoch:
{{status_url}}

Achten Sie bitte darauf, dass der Name des Händlers, das Kaufdatum und das Produkt gut lesbar sind. Ihre Zahlungsdaten können Sie gerne abdecken – diese benötigen wir nicht.$$,
    'ru', $$Чтобы подтвердить, что лицензия принадлежит Вам, нам нужен документ о покупке. Пожалуйста, загрузите фотографию или скан чека либо счёта на странице Вашей заявки:
{{status_url}}

Убедитесь, пожалуйста, что на нём хорошо видны название магазина, дата покупки и название продукта. Платёжные данные можно закрыть — они нам не нужны.$$
  )
),
(
  'Ask for the licence key (Help → About)', 'request_info', NULL,
  jsonb_build_object(
    'en', $$To find your purchase, we need the licence key that the program shows. Please open the program and choose Help → About (in some versions Help → Licence). The licence key is in the window that opens: 32 letters and digits in five groups, for example ED025601-C567-FBB5-522E-53A50AE8DAE1.

Please copy it exactly as shown, or attach a screenshot of that window, when you answer on your request's page. The licence key is not your activation code, so it is safe to send it to us.$$,
    'de', $$Um Ihren Kauf zu finden, benötigen wir den Lizenzschlüssel, den das Programm anzeigt. Bitte öffnen Sie das Programm und wählen Sie Hilfe → Info (in manchen Versionen Hilfe → Lizenz). Im daraufhin geöffneten Fenster finden Sie den Lizenzschlüssel: 32 Buchstaben und Ziffern in fünf Gruppen, zum Beispiel ED025601-C567-FBB5-522E-53A50AE8DAE1.

Bitte übernehmen Sie ihn genau so, wie er angezeigt wird, oder hängen Sie einen Screenshot des Fensters an, wenn Sie auf der Seite Ihrer Anfrage antworten. Der Lizenzschlüssel ist nicht Ihr Aktivierungscode – Sie können ihn uns also bedenkenlos schicken.$$,
    'ru', $$Чтобы найти Вашу покупку, нам нужен лицензионный ключ, который показывает программа. Пожалуйста, откройте программу и выберите «Справка → О программе» (в некоторых версиях — «Справка → Лицензия»). В открывшемся окне указан лицензионный ключ: 32 буквы и цифры в пяти группах, например ED025601-C567-FBB5-522E-53A50AE8DAE1.

Скопируйте его, пожалуйста, точно в том виде, в каком он показан, или приложите снимок экрана с этим окном, когда будете отвечать на странице Вашей заявки. Лицензионный ключ — это не код активации, поэтому его можно спокойно нам отправить.$$
  )
),
(
  'Region-locked code: the store that sold it can help', 'reject', 'bought_from_partner',
  jsonb_build_object(
    'en', $$Activation codes for this product only work in the region they were sold for, and the licence in your request was issued for another region. We cannot recover or exchange a code for that region here.

The store that sold it can check the purchase and, if the licence was not meant for your country, exchange it or refund you. Please contact them with your receipt or order number and mention that the code is region-locked.$$,
    'de', $$Aktivierungscodes für dieses Produkt funktionieren nur in der Region, für die sie verkauft wurden, und die Lizenz aus Ihrer Anfrage wurde für eine andere Region ausgestellt. Einen Code für diese Region können wir hier leider weder wiederherstellen noch umtauschen.

Der Händler, bei dem Sie die Lizenz gekauft haben, kann den Kauf prüfen und sie umtauschen oder Ihnen den Kaufpreis erstatten, falls sie nicht für Ihr Land bestimmt war. Bitte wenden Sie sich mit Ihrem Kassenbon oder Ihrer Bestellnummer an den Händler und weisen Sie darauf hin, dass der Code regional gebunden ist.$$,
    'ru', $$Коды активации этого продукта работают только в том регионе, для которого они были проданы, а лицензия из Вашей заявки выпущена для другого региона. К сожалению, восстановить или обменять код для этого региона мы не можем.

Магазин, в котором Вы приобрели лицензию, может проверить покупку и, если лицензия не предназначалась для Вашей страны, обменять её или вернуть Вам деньги. Пожалуйста, обратитесь в магазин с чеком или номером заказа и укажите, что код привязан к региону.$$
  )
),
(
  'Trial licence: cannot be recovered', 'reject', 'trial_license',
  jsonb_build_object(
    'en', $$A trial licence lets you try the program for a limited time and then ends by itself; there is no activation code behind it that we could send again.

If you would like to keep using the program, you can buy a full licence in our online store; your settings and files stay as they are once you activate it. If you did buy a full licence, please send us the receipt on your request's page and we will look again:
{{status_url}}$$,
    'de', $$Mit einer Testlizenz können Sie das Programm für eine begrenzte Zeit ausprobieren; danach läuft sie von selbst ab. Einen Aktivierungscode, den wir Ihnen erneut senden könnten, gibt es dafür nicht.

Wenn Sie das Programm weiter nutzen möchten, können Sie in unserem Online-Shop eine Vollversion erwerben; Ihre Einstellungen und Dateien bleiben nach der Aktivierung erhalten. Falls Sie bereits eine Vollversion gekauft haben, senden Sie uns bitte den Kaufbeleg über die Seite Ihrer Anfrage, dann prüfen wir Ihr Anliegen gerne erneut:
{{status_url}}$$,
    'ru', $$Пробная лицензия позволяет пользоваться программой ограниченное время и затем заканчивается сама; кода активации, который мы могли бы отправить повторно, у неё нет.

Если Вы хотите и дальше пользоваться программой, Вы можете приобрести полную лицензию в нашем интернет-магазине; после активации Ваши настройки и файлы сохранятся. Если же Вы покупали полную лицензию, пришлите, пожалуйста, чек на странице Вашей заявки, и мы всё проверим ещё раз:
{{status_url}}$$
  )
);
