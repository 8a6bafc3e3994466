/**
 * The most common passwords that pass the length rule (10+ characters), lowercase, from public
 * leaked-password frequency lists (keyboard walks, digit runs, "password"/"welcome"/"iloveyou"
 * variants, names and teams with digits). Shorter common passwords need no entry: the length rule
 * refuses them already. A small list by design: it stops the guesses an online attacker tries first;
 * the throttle and argon2id do the rest.
 */
export const COMMON_PASSWORDS: readonly string[] = [
  '1234567890', '0987654321', '0123456789', '01234567890', '1234567891', '12345678910', '123456789012',
  '1234567890123', '1234567899', '9876543210', '123456789a', '123456789q', 'a123456789', 'q123456789',
  '1234567890q', '1q2w3e4r5t', '1q2w3e4r5t6y', '1qaz2wsx3edc', '1qazxsw23edc', 'qazwsxedcrfv',
  'zaq12wsxcde3', 'zaq1xsw2cde3', 'zaq1zaq1zaq1', '!qaz@wsx#edc', '1qaz!qaz1qaz', 'q1w2e3r4t5',
  'q1w2e3r4t5y6', 'z1x2c3v4b5', 'a1b2c3d4e5', '1a2b3c4d5e', 'qwertyuiop', 'qwertyuiop1', 'qwertyuiop123',
  'qwerty1234', 'qwerty12345', 'qwerty123456', 'qwerty123!', 'qwerty!@#$', 'qwertyqwerty',
  'qwertyuiopasdfghjkl', 'asdfghjkl1', 'asdfghjkl123', 'asdfghjkl;', 'asdf1234asdf', 'asdfasdfasdf',
  'asdasdasdasd', 'zxcvbnm123', 'zxcvbnmasdf', 'qweqweqwe1', 'qweasdzxc1', 'qweasdzxc123', 'zxcasdqwe123',
  '1234qwerasdf', '1234qwer!@#$', '!@#$%^&*()', '1111111111', '11111111111', '2222222222', '0000000000',
  '9999999999', '5555555555', '7777777777', '8888888888', '1212121212', '12121212121', '1122334455',
  '1234512345', '1234554321', '123123123123', '1231231234', 'aaaaaaaaaa', 'qqqqqqqqqq', 'abcabcabcabc',
  'abcdefghij', 'abc1234567', 'abcd123456', 'abcde12345', 'abcdef1234', 'password12', 'password123',
  'password1234', 'password12345', 'password123!', 'password1!', 'password01', 'passw0rd123', 'p@ssw0rd123',
  'p@ssword123', 'passwordpassword', 'mypassword', 'mypassword1', 'mypassword123', 'newpassword',
  'newpassword1', 'thepassword', 'password2020', 'password2021', 'password2022', 'password2023',
  'password2024', 'password2025', 'pass123456', 'pass12345678', 'passpass12', 'iloveyou12', 'iloveyou123',
  'iloveyou1234', 'iloveyouforever', 'lovelove12', 'loveyou123', 'princess12', 'princess123', 'sunshine123',
  'football12', 'football123', 'football1234', 'baseball123', 'basketball', 'basketball1', 'basketball123',
  'soccer1234', 'hockey1234', 'superman123', 'batman1234', 'spiderman1', 'spiderman123', 'starwars12',
  'starwars123', 'pokemon123', 'michael123', 'michael1234', 'jennifer12', 'jordan2323', 'charlie123',
  'chocolate1', 'chocolate12', 'chocolate123', 'butterfly1', 'butterfly123', 'beautiful1', 'whatever12',
  'whatever123', 'welcome123', 'welcome1234', 'welcome2024', 'welcome@123', 'letmein123', 'letmein1234',
  'letmeinnow', 'trustno1234', 'monkey1234', 'dragon1234', 'shadow1234', 'master1234', 'killer1234',
  'hello12345', 'hello123456', 'helloworld', 'helloworld1', 'helloworld123', 'administrator',
  'administrator1', 'admin12345', 'admin123456', 'adminadmin', 'adminadmin1', 'admin@1234', 'admin@12345',
  'rootpassword', 'changeme123', 'changeme1234', 'default123', 'secret1234', 'secret12345', 'computer12',
  'computer123', 'internet123', 'samsung123', 'iphone1234', 'google1234', 'facebook123', 'linkedin123',
  'microsoft1', 'microsoft123', 'minecraft1', 'minecraft123', 'fortnite123', 'liverpool1', 'liverpool123',
  'chelsea123', 'arsenal123', 'manchester', 'manchester1', 'barcelona1', 'barcelona10', 'realmadrid',
  'juventus123', 'sweetheart', 'sweetheart1', 'sunflower1', 'blessed123', 'jesuschrist', 'jesus12345',
  'godisgood1', 'christmas1', 'halloween1', 'valentine1', 'september1', 'december12', 'november11',
  'test123456', 'testtest12', 'test12345678', 'user123456', 'guest12345', 'demo123456', 'student123',
  'teacher123', 'company123', 'summer2024', 'summer2025', 'winter2024', 'winter2025', 'spring2024',
  'autumn2024', 'january2024', 'india12345', 'pakistan123', 'bangladesh', 'australia1', 'canada1234',
  'america123', 'germany123', 'freedom123', 'liberty123', 'matrix1234', 'ninja12345', 'pepper1234',
  'cookie1234', 'banana1234', 'orange1234', 'purple1234', 'yellow1234', 'flower1234', 'forever123',
  'family1234', 'friends123', 'mother1234', 'father1234', 'daniel1234', 'andrew1234', 'thomas1234',
  'robert1234', 'jessica123', 'ashley1234', 'nicole1234', 'hannah1234', 'amanda1234', 'jasmine123',
  'tigger1234', 'buster1234', 'ginger1234', 'harley1234', 'maggie1234', 'bailey1234', 'snoopy1234',
  'peanut1234', 'tenantry123', 'tenantry1234',
];
