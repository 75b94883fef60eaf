//! The languages the widget speaks: English, German, French, Russian and Arabic.
//!
//! No ICU: each language is a table of phrases written by hand, and the plural rules are the
//! CLDR cardinal rules for whole numbers, also by hand (a tally is never 1.5). That keeps what
//! translation adds to the wasm to the phrases themselves (see README, "Languages").
//! [`crate::text`] builds every sentence from these tables.

/// A language of the widget. Picked per widget: `data-caucus-lang`, then the host page's
/// `<html lang>`, then English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    De,
    Fr,
    Ru,
    Ar,
}

/// CLDR's plural categories. English uses two, Russian three, Arabic all six.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plural {
    Zero,
    One,
    Two,
    Few,
    Many,
    Other,
}

/// One phrase with a number in it, in each plural form: zero, one, two, few, many, other.
/// `{n}` stands for the number; an empty form falls back to `other`.
pub type Forms = [&'static str; 6];

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::De, Lang::Fr, Lang::Ru, Lang::Ar];

    /// The language of a BCP 47 tag ("de", "de-AT", "pt_BR"), if the widget speaks it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Some(match primary.as_str() {
            "en" => Lang::En,
            "de" => Lang::De,
            "fr" => Lang::Fr,
            "ru" => Lang::Ru,
            "ar" => Lang::Ar,
            _ => return None,
        })
    }

    /// The widget's language: what the thread element asks for, else the host page's, else
    /// English. A language the widget does not speak counts as not asked for.
    pub fn pick(asked: Option<&str>, page: Option<&str>) -> Lang {
        asked
            .and_then(Lang::from_tag)
            .or_else(|| page.and_then(Lang::from_tag))
            .unwrap_or_default()
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Ru => "ru",
            Lang::Ar => "ar",
        }
    }

    /// The writing direction, for `dir` on the widget's root.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            _ => "ltr",
        }
    }

    /// The plural category of the whole number `n` (CLDR cardinal rules, integers only).
    pub fn plural(self, n: u64) -> Plural {
        match self {
            Lang::En | Lang::De => match n {
                1 => Plural::One,
                _ => Plural::Other,
            },
            // "0 commentaire", "1 commentaire", "2 commentaires", "1 000 000 de commentaires".
            Lang::Fr => match n {
                0 | 1 => Plural::One,
                n if n % 1_000_000 == 0 => Plural::Many,
                _ => Plural::Other,
            },
            Lang::Ru => match (n % 10, n % 100) {
                (1, m) if m != 11 => Plural::One,
                (2..=4, m) if !(12..=14).contains(&m) => Plural::Few,
                _ => Plural::Many,
            },
            Lang::Ar => match (n, n % 100) {
                (0, _) => Plural::Zero,
                (1, _) => Plural::One,
                (2, _) => Plural::Two,
                (_, 3..=10) => Plural::Few,
                (_, 11..=99) => Plural::Many,
                _ => Plural::Other,
            },
        }
    }

    /// `forms` for the number `n`, with the number in place.
    pub fn count(self, forms: &Forms, n: u64) -> String {
        let index = match self.plural(n) {
            Plural::Zero => 0,
            Plural::One => 1,
            Plural::Two => 2,
            Plural::Few => 3,
            Plural::Many => 4,
            Plural::Other => 5,
        };
        let form = match forms[index] {
            "" => forms[5],
            form => form,
        };
        form.replace("{n}", &n.to_string())
    }

    pub fn phrases(self) -> &'static Phrases {
        match self {
            Lang::En => &EN,
            Lang::De => &DE,
            Lang::Fr => &FR,
            Lang::Ru => &RU,
            Lang::Ar => &AR,
        }
    }
}

/// Every phrase of the widget in one language. `{n}`, `{name}`, `{url}`, `{what}`, `{max}`,
/// `{status}`, `{slug}`, `{detail}` stand for what is filled in.
pub struct Phrases {
    pub loading: &'static str,
    pub retry: &'static str,
    pub share: &'static str,
    pub link_copied: &'static str,
    pub copy_this_link: &'static str,
    pub sort_by: &'static str,
    pub sort_oldest: &'static str,
    pub sort_newest: &'static str,
    pub sort_top: &'static str,
    pub no_comments: &'static str,
    pub comments: Forms,
    pub tally: Forms,
    pub replies_hidden: Forms,
    /// The button that shows comments the live stream brought ("2 new comments").
    pub new_comments: Forms,
    pub up: &'static str,
    pub reply: &'static str,
    pub edit: &'static str,
    pub delete: &'static str,
    pub edited: &'static str,
    pub deleted: &'static str,
    pub replies_to: &'static str,
    pub picture_of: &'static str,
    pub confirm_delete: &'static str,
    pub no_edit_key: &'static str,
    pub continue_thread: &'static str,
    // The forms.
    pub add_comment: &'static str,
    pub send: &'static str,
    pub reply_heading: &'static str,
    pub send_reply: &'static str,
    pub edit_heading: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub name: &'static str,
    pub anonymous: &'static str,
    pub subject: &'static str,
    pub body: &'static str,
    pub signature: &'static str,
    pub sending: &'static str,
    pub write_something: &'static str,
    pub too_long: &'static str,
    pub field_comment: &'static str,
    pub field_name: &'static str,
    pub field_subject: &'static str,
    pub field_signature: &'static str,
    pub not_connected: &'static str,
    // What went wrong talking to the server (its own messages are shown as it sent them).
    pub error_network: &'static str,
    pub error_slug: &'static str,
    pub error_server: &'static str,
    pub error_refused: &'static str,
    pub error_not_json: &'static str,
    pub error_truncated: &'static str,
    /// The marker on a comment the site owner has not approved yet (only its author sees it).
    pub awaiting_approval: &'static str,
    /// `{seconds}`: how long the widget waited.
    pub error_timeout: &'static str,
    pub error_unexpected: &'static str,
    // How long ago.
    pub just_now: &'static str,
    pub minutes_ago: Forms,
    pub hours_ago: Forms,
    pub days_ago: Forms,
    pub months_ago: Forms,
    pub years_ago: Forms,
    pub months: [&'static str; 12],
}

pub static EN: Phrases = Phrases {
    loading: "Loading comments…",
    retry: "Retry",
    share: "Share",
    link_copied: "Link copied.",
    copy_this_link: "Copy this link: {url}",
    sort_by: "Sort by",
    sort_oldest: "oldest first",
    sort_newest: "newest first",
    sort_top: "most votes",
    no_comments: "No comments yet",
    comments: ["", "{n} comment", "", "", "", "{n} comments"],
    tally: ["", "{n} user has voted.", "", "", "", "{n} users have voted."],
    replies_hidden: ["", "{n} reply hidden", "", "", "", "{n} replies hidden"],
    new_comments: ["", "{n} new comment", "", "", "", "{n} new comments"],
    up: "up",
    reply: "reply",
    edit: "edit",
    delete: "delete",
    edited: "(edited)",
    deleted: "This comment was deleted.",
    replies_to: "Replies to {name}",
    picture_of: "{name}'s picture",
    confirm_delete: "Delete your comment? This cannot be undone.",
    no_edit_key: "This browser no longer holds the key to edit this comment.",
    continue_thread: "Continue this thread",
    add_comment: "Add a comment",
    send: "Send",
    reply_heading: "Reply",
    send_reply: "Send reply",
    edit_heading: "Edit your comment",
    save: "Save",
    cancel: "Cancel",
    name: "Name",
    anonymous: "Anonymous",
    subject: "Subject (optional)",
    body: "Comment (Markdown)",
    signature: "Signature (optional, remembered here)",
    sending: "Sending…",
    write_something: "Write something in the comment before sending it.",
    too_long: "The {what} is {n} characters long; the most is {max}.",
    field_comment: "comment",
    field_name: "name",
    field_subject: "subject",
    field_signature: "signature",
    not_connected: "This form is not connected to a comment server.",
    error_network: "Could not reach the comment server. Check your connection and retry.",
    error_slug: "This page names its comment thread {slug}, which is not a valid thread name (letters, digits, - _ . ~ and /).",
    error_server: "The comment server had a problem (HTTP {status}). Please retry in a moment.",
    error_refused: "The comment server refused the request (HTTP {status}).",
    error_not_json: "The comment server sent a web page instead of comments (HTTP {status}). It may be misconfigured; please retry later.",
    error_truncated: "The comment server's answer was cut off before the end. Please retry.",
    awaiting_approval: "awaiting approval",
    error_timeout: "The comment server did not answer within {seconds} seconds. Please retry.",
    error_unexpected: "The comment server's answer was not understood ({detail}). The server and this page may be of different versions.",
    just_now: "just now",
    minutes_ago: ["", "{n} minute ago", "", "", "", "{n} minutes ago"],
    hours_ago: ["", "{n} hour ago", "", "", "", "{n} hours ago"],
    days_ago: ["", "{n} day ago", "", "", "", "{n} days ago"],
    months_ago: ["", "{n} month ago", "", "", "", "{n} months ago"],
    years_ago: ["", "{n} year ago", "", "", "", "{n} years ago"],
    months: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
};

pub static DE: Phrases = Phrases {
    loading: "Kommentare werden geladen…",
    retry: "Erneut versuchen",
    share: "Teilen",
    link_copied: "Link kopiert.",
    copy_this_link: "Diesen Link kopieren: {url}",
    sort_by: "Sortieren nach",
    sort_oldest: "älteste zuerst",
    sort_newest: "neueste zuerst",
    sort_top: "meiste Stimmen",
    no_comments: "Noch keine Kommentare",
    comments: ["", "{n} Kommentar", "", "", "", "{n} Kommentare"],
    tally: ["", "{n} Person hat abgestimmt.", "", "", "", "{n} Personen haben abgestimmt."],
    replies_hidden: ["", "{n} Antwort ausgeblendet", "", "", "", "{n} Antworten ausgeblendet"],
    new_comments: ["", "{n} neuer Kommentar", "", "", "", "{n} neue Kommentare"],
    up: "dafür",
    reply: "antworten",
    edit: "bearbeiten",
    delete: "löschen",
    edited: "(bearbeitet)",
    deleted: "Dieser Kommentar wurde gelöscht.",
    replies_to: "Antworten auf {name}",
    picture_of: "Bild von {name}",
    confirm_delete: "Deinen Kommentar löschen? Das lässt sich nicht rückgängig machen.",
    no_edit_key: "Dieser Browser hat den Schlüssel zum Bearbeiten dieses Kommentars nicht mehr.",
    continue_thread: "Diesen Strang weiterlesen",
    add_comment: "Kommentar schreiben",
    send: "Senden",
    reply_heading: "Antworten",
    send_reply: "Antwort senden",
    edit_heading: "Deinen Kommentar bearbeiten",
    save: "Speichern",
    cancel: "Abbrechen",
    name: "Name",
    anonymous: "Anonym",
    subject: "Betreff (optional)",
    body: "Kommentar (Markdown)",
    signature: "Signatur (optional, wird hier gespeichert)",
    sending: "Wird gesendet…",
    write_something: "Schreib etwas in den Kommentar, bevor du ihn sendest.",
    too_long: "{what}: zu lang ({n} Zeichen, höchstens {max}).",
    field_comment: "Kommentar",
    field_name: "Name",
    field_subject: "Betreff",
    field_signature: "Signatur",
    not_connected: "Dieses Formular ist mit keinem Kommentar-Server verbunden.",
    error_network: "Der Kommentar-Server ist nicht erreichbar. Prüfe die Verbindung und versuche es erneut.",
    error_slug: "Diese Seite nennt ihren Kommentarstrang {slug}; das ist kein gültiger Name (Buchstaben, Ziffern, - _ . ~ und /).",
    error_server: "Der Kommentar-Server hatte ein Problem (HTTP {status}). Bitte versuche es gleich noch einmal.",
    error_refused: "Der Kommentar-Server hat die Anfrage abgelehnt (HTTP {status}).",
    error_not_json: "Der Kommentar-Server hat eine Webseite statt Kommentaren geschickt (HTTP {status}). Er ist vielleicht falsch eingerichtet; bitte versuche es später noch einmal.",
    error_truncated: "Die Antwort des Kommentar-Servers brach vorzeitig ab. Bitte versuche es erneut.",
    awaiting_approval: "wartet auf Freigabe",
    error_timeout: "Der Kommentar-Server hat nicht innerhalb von {seconds} Sekunden geantwortet. Bitte versuche es erneut.",
    error_unexpected: "Die Antwort des Kommentar-Servers war unverständlich ({detail}). Server und Seite haben vielleicht verschiedene Versionen.",
    just_now: "gerade eben",
    minutes_ago: ["", "vor {n} Minute", "", "", "", "vor {n} Minuten"],
    hours_ago: ["", "vor {n} Stunde", "", "", "", "vor {n} Stunden"],
    days_ago: ["", "vor {n} Tag", "", "", "", "vor {n} Tagen"],
    months_ago: ["", "vor {n} Monat", "", "", "", "vor {n} Monaten"],
    years_ago: ["", "vor {n} Jahr", "", "", "", "vor {n} Jahren"],
    months: ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."],
};

pub static FR: Phrases = Phrases {
    loading: "Chargement des commentaires…",
    retry: "Réessayer",
    share: "Partager",
    link_copied: "Lien copié.",
    copy_this_link: "Copiez ce lien : {url}",
    sort_by: "Trier par",
    sort_oldest: "plus anciens d’abord",
    sort_newest: "plus récents d’abord",
    sort_top: "plus de votes",
    no_comments: "Pas encore de commentaires",
    comments: ["", "{n} commentaire", "", "", "{n} de commentaires", "{n} commentaires"],
    tally: ["", "{n} personne a voté.", "", "", "{n} de personnes ont voté.", "{n} personnes ont voté."],
    replies_hidden: ["", "{n} réponse masquée", "", "", "{n} de réponses masquées", "{n} réponses masquées"],
    new_comments: ["", "{n} nouveau commentaire", "", "", "{n} de nouveaux commentaires", "{n} nouveaux commentaires"],
    up: "pour",
    reply: "répondre",
    edit: "modifier",
    delete: "supprimer",
    edited: "(modifié)",
    deleted: "Ce commentaire a été supprimé.",
    replies_to: "Réponses à {name}",
    picture_of: "Image de {name}",
    confirm_delete: "Supprimer votre commentaire ? C’est définitif.",
    no_edit_key: "Ce navigateur n’a plus la clé pour modifier ce commentaire.",
    continue_thread: "Suite de la discussion",
    add_comment: "Ajouter un commentaire",
    send: "Envoyer",
    reply_heading: "Répondre",
    send_reply: "Envoyer la réponse",
    edit_heading: "Modifier votre commentaire",
    save: "Enregistrer",
    cancel: "Annuler",
    name: "Nom",
    anonymous: "Anonyme",
    subject: "Sujet (facultatif)",
    body: "Commentaire (Markdown)",
    signature: "Signature (facultative, mémorisée ici)",
    sending: "Envoi…",
    write_something: "Écrivez quelque chose dans le commentaire avant de l’envoyer.",
    too_long: "{what} : trop long ({n} caractères, au plus {max}).",
    field_comment: "Commentaire",
    field_name: "Nom",
    field_subject: "Sujet",
    field_signature: "Signature",
    not_connected: "Ce formulaire n’est relié à aucun serveur de commentaires.",
    error_network: "Impossible de joindre le serveur de commentaires. Vérifiez votre connexion et réessayez.",
    error_slug: "Cette page nomme sa discussion {slug}, ce qui n’est pas un nom valide (lettres, chiffres, - _ . ~ et /).",
    error_server: "Le serveur de commentaires a eu un problème (HTTP {status}). Réessayez dans un instant.",
    error_refused: "Le serveur de commentaires a refusé la requête (HTTP {status}).",
    error_not_json: "Le serveur de commentaires a envoyé une page web au lieu des commentaires (HTTP {status}). Il est peut-être mal configuré ; réessayez plus tard.",
    error_truncated: "La réponse du serveur de commentaires a été coupée avant la fin. Réessayez.",
    awaiting_approval: "en attente de validation",
    error_timeout: "Le serveur de commentaires n'a pas répondu en {seconds} secondes. Réessayez.",
    error_unexpected: "La réponse du serveur de commentaires est incompréhensible ({detail}). Le serveur et cette page n’ont peut-être pas la même version.",
    just_now: "à l’instant",
    minutes_ago: ["", "il y a {n} minute", "", "", "il y a {n} de minutes", "il y a {n} minutes"],
    hours_ago: ["", "il y a {n} heure", "", "", "il y a {n} d’heures", "il y a {n} heures"],
    days_ago: ["", "il y a {n} jour", "", "", "il y a {n} de jours", "il y a {n} jours"],
    months_ago: ["", "il y a {n} mois", "", "", "il y a {n} de mois", "il y a {n} mois"],
    years_ago: ["", "il y a {n} an", "", "", "il y a {n} d’ans", "il y a {n} ans"],
    months: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
};

pub static RU: Phrases = Phrases {
    loading: "Загрузка комментариев…",
    retry: "Повторить",
    share: "Поделиться",
    link_copied: "Ссылка скопирована.",
    copy_this_link: "Скопируйте ссылку: {url}",
    sort_by: "Сортировка",
    sort_oldest: "сначала старые",
    sort_newest: "сначала новые",
    sort_top: "по голосам",
    no_comments: "Комментариев пока нет",
    comments: ["", "{n} комментарий", "", "{n} комментария", "{n} комментариев", ""],
    tally: ["", "{n} пользователь проголосовал.", "", "{n} пользователя проголосовали.", "{n} пользователей проголосовали.", ""],
    replies_hidden: ["", "{n} ответ скрыт", "", "{n} ответа скрыто", "{n} ответов скрыто", ""],
    new_comments: ["", "{n} новый комментарий", "", "{n} новых комментария", "{n} новых комментариев", ""],
    up: "за",
    reply: "ответить",
    edit: "изменить",
    delete: "удалить",
    edited: "(изменено)",
    deleted: "Этот комментарий удалён.",
    replies_to: "Ответы на комментарий {name}",
    picture_of: "Изображение {name}",
    confirm_delete: "Удалить ваш комментарий? Отменить это нельзя.",
    no_edit_key: "В этом браузере больше нет ключа для изменения этого комментария.",
    continue_thread: "Продолжить ветку",
    add_comment: "Написать комментарий",
    send: "Отправить",
    reply_heading: "Ответ",
    send_reply: "Отправить ответ",
    edit_heading: "Изменить комментарий",
    save: "Сохранить",
    cancel: "Отмена",
    name: "Имя",
    anonymous: "Аноним",
    subject: "Тема (необязательно)",
    body: "Комментарий (Markdown)",
    signature: "Подпись (необязательно, запоминается здесь)",
    sending: "Отправка…",
    write_something: "Напишите что-нибудь в комментарии перед отправкой.",
    too_long: "{what}: слишком длинно ({n} из не более {max} знаков).",
    field_comment: "Комментарий",
    field_name: "Имя",
    field_subject: "Тема",
    field_signature: "Подпись",
    not_connected: "Эта форма не подключена к серверу комментариев.",
    error_network: "Не удалось связаться с сервером комментариев. Проверьте соединение и повторите.",
    error_slug: "Эта страница называет ветку комментариев {slug}, а это недопустимое имя (буквы, цифры, - _ . ~ и /).",
    error_server: "На сервере комментариев произошла ошибка (HTTP {status}). Повторите чуть позже.",
    error_refused: "Сервер комментариев отклонил запрос (HTTP {status}).",
    error_not_json: "Сервер комментариев прислал веб-страницу вместо комментариев (HTTP {status}). Возможно, он неправильно настроен; повторите позже.",
    error_truncated: "Ответ сервера комментариев оборвался. Повторите.",
    awaiting_approval: "ожидает одобрения",
    error_timeout: "Сервер комментариев не ответил за {seconds} секунд. Повторите.",
    error_unexpected: "Ответ сервера комментариев непонятен ({detail}). Возможно, у сервера и страницы разные версии.",
    just_now: "только что",
    minutes_ago: ["", "{n} минуту назад", "", "{n} минуты назад", "{n} минут назад", ""],
    hours_ago: ["", "{n} час назад", "", "{n} часа назад", "{n} часов назад", ""],
    days_ago: ["", "{n} день назад", "", "{n} дня назад", "{n} дней назад", ""],
    months_ago: ["", "{n} месяц назад", "", "{n} месяца назад", "{n} месяцев назад", ""],
    years_ago: ["", "{n} год назад", "", "{n} года назад", "{n} лет назад", ""],
    months: ["янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."],
};

pub static AR: Phrases = Phrases {
    loading: "جارٍ تحميل التعليقات…",
    retry: "إعادة المحاولة",
    share: "مشاركة",
    link_copied: "نُسخ الرابط.",
    copy_this_link: "انسخ هذا الرابط: {url}",
    sort_by: "الترتيب",
    sort_oldest: "الأقدم أولًا",
    sort_newest: "الأحدث أولًا",
    sort_top: "الأكثر تصويتًا",
    no_comments: "لا توجد تعليقات بعد",
    comments: ["لا توجد تعليقات", "تعليق واحد", "تعليقان", "{n} تعليقات", "{n} تعليقًا", "{n} تعليق"],
    tally: ["لم يصوّت أي مستخدم.", "صوّت مستخدم واحد.", "صوّت مستخدمان.", "صوّت {n} مستخدمين.", "صوّت {n} مستخدمًا.", "صوّت {n} مستخدم."],
    replies_hidden: ["لا ردود مخفية", "رد واحد مخفي", "ردّان مخفيان", "{n} ردود مخفية", "{n} ردًا مخفيًا", "{n} رد مخفي"],
    new_comments: ["لا توجد تعليقات جديدة", "تعليق جديد واحد", "تعليقان جديدان", "{n} تعليقات جديدة", "{n} تعليقًا جديدًا", "{n} تعليق جديد"],
    up: "تأييد",
    reply: "رد",
    edit: "تعديل",
    delete: "حذف",
    edited: "(معدّل)",
    deleted: "حُذف هذا التعليق.",
    replies_to: "الردود على {name}",
    picture_of: "صورة {name}",
    confirm_delete: "أتريد حذف تعليقك؟ لا يمكن التراجع عن ذلك.",
    no_edit_key: "لم يعد هذا المتصفح يحمل مفتاح تعديل هذا التعليق.",
    continue_thread: "متابعة هذا النقاش",
    add_comment: "أضف تعليقًا",
    send: "إرسال",
    reply_heading: "رد",
    send_reply: "إرسال الرد",
    edit_heading: "عدّل تعليقك",
    save: "حفظ",
    cancel: "إلغاء",
    name: "الاسم",
    anonymous: "مجهول",
    subject: "الموضوع (اختياري)",
    body: "التعليق (Markdown)",
    signature: "التوقيع (اختياري، يُحفظ هنا)",
    sending: "جارٍ الإرسال…",
    write_something: "اكتب شيئًا في التعليق قبل إرساله.",
    too_long: "{what}: أطول من اللازم ({n} من {max} حرفًا كحد أقصى).",
    field_comment: "التعليق",
    field_name: "الاسم",
    field_subject: "الموضوع",
    field_signature: "التوقيع",
    not_connected: "هذا النموذج غير متصل بخادم تعليقات.",
    error_network: "تعذّر الوصول إلى خادم التعليقات. تحقّق من اتصالك وأعد المحاولة.",
    error_slug: "تسمّي هذه الصفحة نقاشها {slug}، وهذا ليس اسمًا صالحًا (حروف وأرقام و- _ . ~ و/).",
    error_server: "حدثت مشكلة في خادم التعليقات (HTTP {status}). أعد المحاولة بعد قليل.",
    error_refused: "رفض خادم التعليقات الطلب (HTTP {status}).",
    error_not_json: "أرسل خادم التعليقات صفحة ويب بدل التعليقات (HTTP {status}). ربما إعداده خاطئ؛ أعد المحاولة لاحقًا.",
    error_truncated: "انقطع رد خادم التعليقات قبل نهايته. أعد المحاولة.",
    awaiting_approval: "بانتظار الموافقة",
    error_timeout: "لم يرد خادم التعليقات خلال {seconds} ثانية. أعد المحاولة.",
    error_unexpected: "تعذّر فهم رد خادم التعليقات ({detail}). ربما يختلف إصدار الخادم عن إصدار هذه الصفحة.",
    just_now: "الآن",
    minutes_ago: ["الآن", "منذ دقيقة واحدة", "منذ دقيقتين", "منذ {n} دقائق", "منذ {n} دقيقة", "منذ {n} دقيقة"],
    hours_ago: ["الآن", "منذ ساعة واحدة", "منذ ساعتين", "منذ {n} ساعات", "منذ {n} ساعة", "منذ {n} ساعة"],
    days_ago: ["اليوم", "منذ يوم واحد", "منذ يومين", "منذ {n} أيام", "منذ {n} يومًا", "منذ {n} يوم"],
    months_ago: ["هذا الشهر", "منذ شهر واحد", "منذ شهرين", "منذ {n} أشهر", "منذ {n} شهرًا", "منذ {n} شهر"],
    years_ago: ["هذا العام", "منذ سنة واحدة", "منذ سنتين", "منذ {n} سنوات", "منذ {n} سنة", "منذ {n} سنة"],
    months: ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_come_from_the_element_then_the_page_then_english() {
        assert_eq!(Lang::pick(Some("de"), Some("fr")), Lang::De);
        assert_eq!(Lang::pick(Some("xx"), Some("fr-CA")), Lang::Fr);
        assert_eq!(Lang::pick(None, Some("RU")), Lang::Ru);
        assert_eq!(Lang::pick(None, Some("ar_EG")), Lang::Ar);
        assert_eq!(Lang::pick(None, Some("")), Lang::En);
        assert_eq!(Lang::pick(Some(" "), None), Lang::En);
        assert_eq!(Lang::Ar.dir(), "rtl");
        assert!(Lang::ALL
            .iter()
            .filter(|l| l.dir() == "rtl")
            .eq([&Lang::Ar]));
    }

    #[test]
    fn english_and_german_have_one_and_other() {
        for lang in [Lang::En, Lang::De] {
            assert_eq!(lang.plural(1), Plural::One);
            for n in [0, 2, 11, 21, 101] {
                assert_eq!(lang.plural(n), Plural::Other, "{n}");
            }
        }
        assert_eq!(Lang::En.count(&EN.tally, 1), "1 user has voted.");
        assert_eq!(Lang::En.count(&EN.tally, 2), "2 users have voted.");
        assert_eq!(Lang::De.count(&DE.tally, 0), "0 Personen haben abgestimmt.");
    }

    #[test]
    fn french_zero_is_singular() {
        assert_eq!(Lang::Fr.plural(0), Plural::One);
        assert_eq!(Lang::Fr.plural(1), Plural::One);
        assert_eq!(Lang::Fr.plural(2), Plural::Other);
        assert_eq!(Lang::Fr.plural(1_000_000), Plural::Many);
        assert_eq!(Lang::Fr.count(&FR.comments, 0), "0 commentaire");
        assert_eq!(Lang::Fr.count(&FR.comments, 3), "3 commentaires");
        assert_eq!(Lang::Fr.count(&FR.new_comments, 1), "1 nouveau commentaire");
        assert_eq!(
            Lang::Fr.count(&FR.new_comments, 2),
            "2 nouveaux commentaires"
        );
    }

    #[test]
    fn russian_has_three_forms() {
        let cases = [
            (1, Plural::One),
            (21, Plural::One),
            (101, Plural::One),
            (2, Plural::Few),
            (4, Plural::Few),
            (22, Plural::Few),
            (0, Plural::Many),
            (5, Plural::Many),
            (11, Plural::Many),
            (12, Plural::Many),
            (14, Plural::Many),
            (111, Plural::Many),
            (112, Plural::Many),
        ];
        for (n, want) in cases {
            assert_eq!(Lang::Ru.plural(n), want, "{n}");
        }
        assert_eq!(
            Lang::Ru.count(&RU.tally, 21),
            "21 пользователь проголосовал."
        );
        assert_eq!(
            Lang::Ru.count(&RU.tally, 3),
            "3 пользователя проголосовали."
        );
        assert_eq!(
            Lang::Ru.count(&RU.tally, 11),
            "11 пользователей проголосовали."
        );
        let new = |n| Lang::Ru.count(&RU.new_comments, n);
        assert_eq!(new(1), "1 новый комментарий");
        assert_eq!(new(2), "2 новых комментария");
        assert_eq!(new(5), "5 новых комментариев");
        assert_eq!(new(21), "21 новый комментарий");
    }

    #[test]
    fn arabic_has_six_forms() {
        let cases = [
            (0, Plural::Zero),
            (1, Plural::One),
            (2, Plural::Two),
            (3, Plural::Few),
            (10, Plural::Few),
            (103, Plural::Few),
            (11, Plural::Many),
            (99, Plural::Many),
            (111, Plural::Many),
            (100, Plural::Other),
            (101, Plural::Other),
            (102, Plural::Other),
        ];
        for (n, want) in cases {
            assert_eq!(Lang::Ar.plural(n), want, "{n}");
        }
        assert_eq!(Lang::Ar.count(&AR.tally, 2), "صوّت مستخدمان.");
        assert_eq!(Lang::Ar.count(&AR.tally, 5), "صوّت 5 مستخدمين.");
        assert_eq!(Lang::Ar.count(&AR.tally, 11), "صوّت 11 مستخدمًا.");
        assert_eq!(Lang::Ar.count(&AR.tally, 100), "صوّت 100 مستخدم.");
        assert_eq!(Lang::Ar.count(&AR.new_comments, 2), "تعليقان جديدان");
        assert_eq!(Lang::Ar.count(&AR.new_comments, 3), "3 تعليقات جديدة");
    }

    #[test]
    fn every_language_has_every_form_it_uses() {
        for lang in Lang::ALL {
            let p = lang.phrases();
            for forms in [
                &p.comments,
                &p.tally,
                &p.replies_hidden,
                &p.new_comments,
                &p.minutes_ago,
                &p.hours_ago,
                &p.days_ago,
                &p.months_ago,
                &p.years_ago,
            ] {
                for n in 0..1_000 {
                    let s = lang.count(forms, n);
                    assert!(!s.is_empty() && !s.contains('{'), "{lang:?} {n}: {s:?}");
                }
            }
        }
    }
}
