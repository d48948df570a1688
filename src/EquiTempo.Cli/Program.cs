using static TorchSharp.torch;
var x = randn(2,3);
Console.WriteLine(x.sum().item<float>());
Console.WriteLine(TorchSharp.torch.get_num_threads());
